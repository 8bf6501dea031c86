// Claiming, renewing and releasing work (docs/operations.md "Claiming work"), each one
// statement for any number of items, guarded by ownership (`claimed_by = $1`). Run in
// transactions that commit without waiting for the WAL flush (connection.ts).

import type pg from 'pg';
import type { ClaimRequest } from '../types.js';
import { toFencedWorkItem, type FencedWorkItem, type PgWorkRow } from './rows.js';
import * as work from './sql/work.js';

export type Items = readonly { executionId: string; key: string }[];

export function claimProblem(request: ClaimRequest): string | undefined {
  if (typeof request.worker !== 'string' || request.worker === '') return 'worker is required';
  if (!Number.isSafeInteger(request.now)) return 'now must be an integer (ms since the epoch)';
  if (!Number.isSafeInteger(request.leaseMs) || request.leaseMs <= 0) {
    return 'leaseMs must be a positive integer';
  }
  if (!Number.isSafeInteger(request.limit) || request.limit <= 0) {
    return 'limit must be a positive integer';
  }
  return undefined;
}

export async function claim(
  client: pg.ClientBase,
  request: ClaimRequest,
  agingMs: number,
): Promise<FencedWorkItem[]> {
  const { rows } = await client.query<PgWorkRow & { claim_rank: number }>(work.claimWork, [
    request.worker,
    request.now,
    request.now + request.leaseMs,
    request.kinds ? [...request.kinds] : null,
    request.limit,
    agingMs,
  ]);
  // RETURNING has no order: give the items back in claim order.
  rows.sort((a, b) => a.claim_rank - b.claim_rank || a.due_at - b.due_at);
  return rows.map(toFencedWorkItem);
}

export async function renew(
  client: pg.ClientBase,
  worker: string,
  items: Items,
  leaseUntil: number,
  agingMs: number,
): Promise<number> {
  const result = await client.query(work.renewLease, [
    worker,
    items.map((i) => i.executionId),
    items.map((i) => i.key),
    leaseUntil,
    agingMs,
  ]);
  return result.rowCount ?? 0;
}

/** Returns how many items moved and the earliest due time among them (to NOTIFY). */
export async function release(
  client: pg.ClientBase,
  worker: string,
  items: Items,
  agingMs: number,
): Promise<{ released: number; earliest: number | undefined }> {
  const { rows } = await client.query<{ due_at: number }>(work.releaseWork, [
    worker,
    items.map((i) => i.executionId),
    items.map((i) => i.key),
    agingMs,
  ]);
  let earliest: number | undefined;
  for (const r of rows) earliest = Math.min(earliest ?? r.due_at, r.due_at);
  return { released: rows.length, earliest };
}
