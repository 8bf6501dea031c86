// The events log, shared by both stores: checking CloudEvents before they are stored and
// the bounds of a read. Dedupe is by (source, id), as CloudEvents 1.0 says "Consumers MAY
// assume that Events with identical source and id are duplicates".

import type { CloudEvent } from '../history/events.js';
import { InvalidRequestError } from './errors.js';
import { type StoreLimits, checkPayload } from './limits.js';
import type { EventQuery } from './types.js';

export interface PreparedEvent {
  source: string;
  id: string;
  type: string;
  /** The whole event as JSON text, kept byte for byte. */
  body: string;
}

const required = ['specversion', 'id', 'source', 'type'] as const;

/** Checks and serializes events; throws naming the event (index and id) and the field. */
export function prepareEvents(
  limits: StoreLimits,
  events: readonly CloudEvent[],
  now: number,
): PreparedEvent[] {
  if (!Array.isArray(events))
    throw new InvalidRequestError('appendEvents: events must be an array');
  if (!Number.isSafeInteger(now))
    throw new InvalidRequestError('appendEvents: now must be an integer (ms since the epoch)');
  return events.map((event, i) => {
    const where = `event ${i}`;
    if (event === null || typeof event !== 'object' || Array.isArray(event))
      throw new InvalidRequestError(`${where}: a CloudEvent must be a JSON object`);
    const named =
      typeof event.id === 'string' && event.id !== '' ? `${where} (id ${event.id})` : where;
    const missing = required.filter((k) => typeof event[k] !== 'string' || event[k] === '');
    if (missing.length > 0)
      throw new InvalidRequestError(
        `${named}: a CloudEvent needs non-empty string ${missing.map((k) => `'${k}'`).join(', ')}`,
      );
    let body: string;
    try {
      body = JSON.stringify(event);
    } catch (e) {
      throw new InvalidRequestError(`${named}: not JSON: ${(e as Error).message}`);
    }
    checkPayload(limits, body, named);
    return { source: event.source, id: event.id, type: event.type, body };
  });
}

export interface EventBounds {
  after: number;
  since: number;
  limit: number;
}

/** The query with its defaults; throws on a bad bound. */
export function eventBounds(query: EventQuery = {}): EventBounds {
  const after = query.after ?? 0;
  const since = query.since ?? 0;
  const limit = query.limit ?? 100;
  if (!Number.isSafeInteger(after) || after < 0)
    throw new InvalidRequestError(`readEvents: after must be a non-negative integer, got ${after}`);
  if (!Number.isSafeInteger(since))
    throw new InvalidRequestError(`readEvents: since must be an integer (ms since the epoch)`);
  if (!Number.isSafeInteger(limit) || limit <= 0 || limit > 1000)
    throw new InvalidRequestError(
      `readEvents: limit must be an integer from 1 to 1000, got ${limit}`,
    );
  return { after, since, limit };
}

export interface EventRow {
  seq: number;
  body: string;
  stored_at: number;
}

export function toStoredEvent(row: EventRow) {
  return {
    seq: Number(row.seq),
    event: JSON.parse(row.body) as CloudEvent,
    storedAt: Number(row.stored_at),
  };
}
