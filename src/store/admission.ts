// Admission under concurrency and rate limits (docs/operations.md "Limits"), shared by
// both stores. An execution is ADMITTED the first time one of its work items is
// claimed: from then on it holds one slot in each of its concurrency keys until it
// reaches a terminal state or is parked, and its admission counts in each of its rate
// keys for `periodMs`. The stores read the slot rows (table limit_slots) and the current
// usage of the keys involved; `admit` decides, in claim order, which candidates fit.

import { InvalidRequestError } from './errors.js';
import type { NewExecution } from './types.js';

/** One row of limit_slots as the claim sees it. */
export interface SlotRow {
  execution_id: string;
  kind: 'concurrency' | 'rate';
  key: string;
  lim: number;
  period_ms: number | null;
  admitted_at: number | null;
  held: boolean | number;
}

/** A concurrency slot not held, or a rate admission not yet counted. */
export function needsAdmission(row: SlotRow): boolean {
  return row.kind === 'concurrency' ? !row.held : row.admitted_at === null;
}

/** What usage is counted by: concurrency per key; rate per key and period. */
export function usageKey(row: Pick<SlotRow, 'kind' | 'key' | 'period_ms'>): string {
  return row.kind === 'concurrency'
    ? `c\u0000${row.key}`
    : `r\u0000${row.key}\u0000${row.period_ms ?? 0}`;
}

/**
 * Picks, in claim order, the candidates that may be claimed: those with nothing to
 * admit, and those whose every key still has room (usage < limit), counting the
 * admissions picked before them. A candidate that does not fit is passed over, not
 * waited for, so a full key never blocks other keys' work behind it. Several items of
 * one execution share its admission. Returns the picked candidates (at most `max`) and
 * the executions admitted by them.
 */
export function admit<C extends { executionId: string }>(
  candidates: readonly C[],
  slots: ReadonlyMap<string, readonly SlotRow[]>,
  usage: Map<string, number>,
  max: number,
): { picked: C[]; admitted: string[] } {
  const picked: C[] = [];
  const admitted = new Set<string>();
  for (const candidate of candidates) {
    if (picked.length >= max) break;
    const id = candidate.executionId;
    const needed = admitted.has(id) ? [] : (slots.get(id) ?? []).filter(needsAdmission);
    if (needed.some((row) => (usage.get(usageKey(row)) ?? 0) >= row.lim)) continue;
    for (const row of needed) usage.set(usageKey(row), (usage.get(usageKey(row)) ?? 0) + 1);
    if (needed.length > 0) admitted.add(id);
    picked.push(candidate);
  }
  return { picked, admitted: [...admitted] };
}

/** The slot rows a new execution starts with (nothing admitted). */
export interface NewSlot {
  kind: 'concurrency' | 'rate';
  key: string;
  lim: number;
  periodMs: number | null;
}

/** Checks NewExecution.concurrency/rate: clear errors naming the execution and entry. */
export function prepareSlots(execution: NewExecution): NewSlot[] {
  const where = `execution ${execution.id}`;
  const slots: NewSlot[] = [];
  const seen = new Set<string>();
  const check = (kind: NewSlot['kind'], i: number, key: unknown, lim: unknown) => {
    const at = `${where}: ${kind}[${i}]`;
    if (typeof key !== 'string' || key === '') {
      throw new InvalidRequestError(`${at}: key must be a non-empty string`);
    }
    if (!Number.isSafeInteger(lim) || (lim as number) <= 0) {
      throw new InvalidRequestError(`${at} (${key}): limit must be a positive integer`);
    }
    if (seen.has(`${kind}\u0000${key}`)) {
      throw new InvalidRequestError(`${at}: key ${key} appears twice; keep one (the lowest limit)`);
    }
    seen.add(`${kind}\u0000${key}`);
    return at;
  };
  (execution.concurrency ?? []).forEach((c, i) => {
    check('concurrency', i, c?.key, c?.limit);
    slots.push({ kind: 'concurrency', key: c.key, lim: c.limit, periodMs: null });
  });
  (execution.rate ?? []).forEach((r, i) => {
    const at = check('rate', i, r?.key, r?.limit);
    if (!Number.isSafeInteger(r.periodMs) || r.periodMs <= 0) {
      throw new InvalidRequestError(`${at} (${r.key}): periodMs must be a positive integer`);
    }
    slots.push({ kind: 'rate', key: r.key, lim: r.limit, periodMs: r.periodMs });
  });
  return slots;
}
