// claimWork for SQLite, run by the single writer: candidates in claim order (work.ts
// selectClaimable), then admission under limits (admission.ts) with the usage counted
// in the same transaction, so nothing can change between the count and the claim.

import { admit, needsAdmission, usageKey, type SlotRow } from '../admission.js';
import type { ClaimRequest, WorkItem } from '../types.js';
import { toWorkItem, type WorkRow } from './rows.js';
import type { Statements } from './statements.js';

/**
 * Candidates read per claim: twice the limit, so that when several candidates compete
 * for a key's last slots the claim can still fill up with later ones.
 */
export const candidatesPerClaim = (limit: number) => limit * 2;

interface Candidate {
  rowid: number;
  executionId: string;
  payload: string | null;
}

function slotsOf(s: Statements, ids: readonly string[]): Map<string, SlotRow[]> {
  const slots = new Map<string, SlotRow[]>();
  if (ids.length === 0) return slots;
  for (const row of s.selectSlots.all(JSON.stringify(ids)) as SlotRow[]) {
    const list = slots.get(row.execution_id) ?? [];
    list.push(row);
    slots.set(row.execution_id, list);
  }
  return slots;
}

function usageOf(s: Statements, rows: readonly SlotRow[], now: number): Map<string, number> {
  const usage = new Map<string, number>();
  for (const row of rows) {
    const key = usageKey(row);
    if (usage.has(key)) continue;
    if (row.kind === 'concurrency') {
      usage.set(key, s.countHeld.pluck().get(row.key) as number);
    } else {
      s.pruneRate.run(row.key, now);
      usage.set(key, s.countAdmitted.pluck().get(row.key, now - (row.period_ms ?? 0)) as number);
    }
  }
  return usage;
}

export function claimSqlite(s: Statements, request: ClaimRequest): WorkItem[] {
  const candidates = (
    s.selectClaimable.all({
      now: request.now,
      kinds: request.kinds ? JSON.stringify(request.kinds) : null,
      limit: candidatesPerClaim(request.limit),
    }) as { rowid: number; execution_id: string; payload: string | null }[]
  ).map((r): Candidate => ({ rowid: r.rowid, executionId: r.execution_id, payload: r.payload }));
  const slots = slotsOf(s, [...new Set(candidates.map((c) => c.executionId))]);
  const needed = [...slots.values()].flat().filter(needsAdmission);
  const usage = usageOf(s, needed, request.now);
  const { picked, admitted } = admit(candidates, slots, usage, request.limit);
  for (const id of admitted) s.admitExecution.run({ id, now: request.now });
  const leaseUntil = request.now + request.leaseMs;
  return picked.map((c) => {
    const row = s.claimOne.get({ worker: request.worker, leaseUntil, rowid: c.rowid }) as WorkRow;
    return toWorkItem({ ...row, payload: c.payload });
  });
}
