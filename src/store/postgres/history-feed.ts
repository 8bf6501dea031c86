// The history feed on PostgreSQL (Store.onHistory): every transaction that appends history
// NOTIFYs the store's history channel (pg_notify inside the transaction: delivered at
// COMMIT, dropped on ROLLBACK) with what it appended, as a JSON array of
// [executionId, firstSeq, lastSeq] triples. A payload must stay under PostgreSQL's 8,000
// bytes, so a large group commit sends several. Only processes with a subscriber LISTEN
// on the channel (listener.ts): workers send, a `weft serve` with open streams reads.

import type { HistoryChange } from '../types.js';

/** PostgreSQL refuses payloads of 8,000 bytes or more; ids are ASCII (UUIDs) or escaped. */
const maxPayload = 7900;

type Triple = [string, number, number];

/** The NOTIFY payloads that carry `changes`, each under the limit. */
export function historyPayloads(changes: readonly HistoryChange[]): string[] {
  const payloads: string[] = [];
  let parts: string[] = [];
  let size = 2;
  for (const c of changes) {
    const part = JSON.stringify([c.executionId, c.firstSeq, c.lastSeq] satisfies Triple);
    // byte length: JSON.stringify escapes nothing above ASCII, so count UTF-8 bytes
    const bytes = Buffer.byteLength(part);
    // an id too long for any payload is left out: streams still read it from the store
    if (bytes + 2 > maxPayload) continue;
    if (parts.length > 0 && size + bytes + 1 > maxPayload) {
      payloads.push(`[${parts.join(',')}]`);
      parts = [];
      size = 2;
    }
    parts.push(part);
    size += bytes + 1;
  }
  if (parts.length > 0) payloads.push(`[${parts.join(',')}]`);
  return payloads;
}

/** The changes of a payload; undefined when it is not one (a foreign NOTIFY). */
export function parseHistoryPayload(payload: string): HistoryChange[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const changes: HistoryChange[] = [];
  for (const t of value) {
    if (
      !Array.isArray(t) ||
      typeof t[0] !== 'string' ||
      !Number.isSafeInteger(t[1]) ||
      !Number.isSafeInteger(t[2])
    )
      return undefined;
    changes.push({ executionId: t[0], firstSeq: t[1] as number, lastSeq: t[2] as number });
  }
  return changes;
}
