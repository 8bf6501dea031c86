// Appending to the events log (0013_events.ts) inside one transaction: the advisory lock
// held to COMMIT makes seqs visible in seq order; a duplicate (source, id) returns the
// stored row; new events NOTIFY the store's channel with the payload `events`.
import type pg from 'pg';
import { type EventRow, type PreparedEvent, toStoredEvent } from '../events.js';
import type { StoredEvent } from '../types.js';
import { eventsPayload } from './listener.js';
import * as eventsSql from './sql/events.js';
import { notify } from './sql/work.js';

export async function appendEvents(
  client: pg.ClientBase,
  schema: string,
  channel: string,
  prepared: readonly PreparedEvent[],
  now: number,
): Promise<StoredEvent[]> {
  await client.query(eventsSql.lockAppend, [`weft:events:${schema}`]);
  const stored: StoredEvent[] = [];
  let added = false;
  for (const e of prepared) {
    const params = [e.source, e.id, e.type, e.body, now];
    let [row] = (await client.query<EventRow>(eventsSql.insertEvent, params)).rows;
    if (row) added = true;
    else [row] = (await client.query<EventRow>(eventsSql.selectEventByKey, [e.source, e.id])).rows;
    stored.push(toStoredEvent(row!));
  }
  // delivered at COMMIT to every process's listener (listener.ts), dropped on ROLLBACK
  if (added) await client.query(notify, [channel, eventsPayload]);
  return stored;
}
