// The history codec: how an event is stored and read back (DESIGN.md "Execution
// model": the history is versioned). A stored event is three things the store keeps
// in columns it can index (`type`, `v`, `time`) plus the whole event as JSON text.
//
// The codec depends on `type`, `v` and `time` only: fields the core adds to an event
// are carried through untouched, so events.ts can grow without a change here.
//
// A change to an event's shape bumps its `v` and adds an upcaster below, keyed by
// `Type@v`, that turns the old shape into the next one; decode applies them in a
// chain until the current version. Stored histories are never rewritten.

import type { HistoryEvent, HistoryEventType } from './events.js';

/** An event as a store keeps it. */
export interface EncodedEvent {
  type: string;
  v: number;
  /** Milliseconds since the epoch, copied from the event. */
  time: number;
  /** The whole event as JSON text. */
  body: string;
}

/** A stored event that cannot be read back: names the execution and sequence number. */
export class HistoryCodecError extends Error {
  override readonly name = 'HistoryCodecError';
  constructor(
    message: string,
    readonly where?: { executionId: string; seq: number },
  ) {
    super(where ? `${message} (execution ${where.executionId}, event ${where.seq})` : message);
  }
}

export type Upcaster = (old: Record<string, unknown>) => Record<string, unknown>;

/**
 * Upcasters from `Type@v` to version v+1. Empty while every event is at v1; the first
 * shape change adds e.g. `'TaskStarted@1': (e) => ({ ...e, v: 2, retry: 0 })`.
 */
export const upcasters: Readonly<Record<string, Upcaster>> = {};

/** The current version of each event type; an event without an entry is at 1. */
export const currentVersions: Readonly<Partial<Record<HistoryEventType, number>>> = {};

/** The tables decode uses; tests pass their own to exercise an upcast chain. */
export interface Versioning {
  current: Readonly<Partial<Record<string, number>>>;
  upcasters: Readonly<Record<string, Upcaster>>;
}

const versioning: Versioning = { current: currentVersions, upcasters };

export function encodeEvent(event: HistoryEvent): EncodedEvent {
  const { type, v, time } = event as { type: unknown; v: unknown; time: unknown };
  if (typeof type !== 'string' || type === '') {
    throw new HistoryCodecError('cannot encode a history event without a string `type`');
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new HistoryCodecError(`cannot encode ${type}: \`v\` must be a positive integer`);
  }
  if (typeof time !== 'number' || !Number.isFinite(time)) {
    throw new HistoryCodecError(`cannot encode ${type}: \`time\` must be a finite number`);
  }
  return { type, v, time, body: JSON.stringify(event) };
}

/** Reads a stored event back, upcasting it to the current version of its type. */
export function decodeEvent(
  stored: Pick<EncodedEvent, 'body'>,
  where?: { executionId: string; seq: number },
  tables: Versioning = versioning,
): HistoryEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored.body);
  } catch (error) {
    throw new HistoryCodecError(`stored event is not JSON: ${(error as Error).message}`, where);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HistoryCodecError('stored event is not a JSON object', where);
  }
  let event = parsed as Record<string, unknown>;
  const type = event['type'];
  if (typeof type !== 'string') {
    throw new HistoryCodecError('stored event has no string `type`', where);
  }
  const target = tables.current[type] ?? 1;
  const version = event['v'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new HistoryCodecError(`stored ${type} has no valid \`v\``, where);
  }
  let v: number = version;
  if (v > target) {
    throw new HistoryCodecError(
      `stored ${type} is version ${v}, newer than this weft reads (${target}): upgrade weft`,
      where,
    );
  }
  while (v < target) {
    const up = tables.upcasters[`${type}@${v}`];
    if (!up) throw new HistoryCodecError(`no upcaster for ${type}@${v}`, where);
    event = up(event);
    const next = event['v'];
    if (typeof next !== 'number' || next <= v) {
      throw new HistoryCodecError(`upcaster ${type}@${v} did not raise \`v\``, where);
    }
    v = next;
  }
  return event as unknown as HistoryEvent;
}
