// The history-appending part of commits, in two phases so that many concurrent commits
// can share one transaction (committer.ts):
//
//   lockWrites    locks the heads of every execution written (id order) and the work
//                 items named by leases, in two statements
//   planWrites    checks one commit's writes in the SQLite store's order (exists, fence,
//                 sequence, final state, limits) against what was locked: pure, throws
//                 the commit's error, or returns what to write
//   executePlans  writes the plans of every commit of the transaction together: one
//                 statement per table (arrays through unnest)

import type pg from 'pg';
import { LeaseLostError, NotFoundError, SequenceMismatchError, ConflictError } from '../errors.js';
import { checkHistory, type StoreLimits } from '../limits.js';
import type { PreparedWork, PreparedWrite } from '../prepare.js';
import { terminalStates, type ExecutionState } from '../types.js';
import { send, upsertWork, type ApplyContext } from './apply.js';
import { pipelines } from './connection.js';
import * as executions from './sql/executions.js';
import * as history from './sql/history.js';
import * as slotSql from './sql/limits.js';
import * as work from './sql/work.js';

interface Head {
  id: string;
  next_seq: number;
  history_bytes: number;
  state: ExecutionState;
  priority: number;
}

interface Holder {
  execution_id: string;
  key: string;
  claimed_by: string | null;
  fence: number;
}

/** A lease with fencing tokens (claimFenced), parallel to `keys`. */
export interface FencedLease {
  worker: string;
  keys: readonly string[];
  fences?: readonly (number | undefined)[];
}

export interface Locked {
  heads: Map<string, Head>;
  holders: Map<string, Holder>;
}

const pair = (id: string, key: string) => `${id}\u0000${key}`;

export async function lockWrites(
  client: pg.ClientBase,
  writes: readonly PreparedWrite[],
): Promise<Locked> {
  const heads = new Map<string, Head>();
  const holders = new Map<string, Holder>();
  if (writes.length === 0) return { heads, holders };
  const ids = [...new Set(writes.map((w) => w.write.executionId))];
  const leaseIds: string[] = [];
  const leaseKeys: string[] = [];
  for (const { write } of writes) {
    for (const key of write.lease?.keys ?? []) {
      leaseIds.push(write.executionId);
      leaseKeys.push(key);
    }
  }
  // Heads first, then holders (the lock order that keeps commits from deadlocking): on a
  // pipelining connection both go out at once, and the server runs them in that order.
  // Both are awaited together: a lost connection rejects both, and a rejection nobody
  // awaits would end the process (the chaos run's SIGSTOPped worker, woken after a
  // database restart, died of one).
  const lockingHeads = client.query<Head>(executions.lockHeads, [ids]);
  if (leaseIds.length > 0 && !pipelines(client)) await lockingHeads;
  const [headRows, holderRows] = await Promise.all([
    lockingHeads,
    leaseIds.length > 0
      ? client.query<Holder>(work.lockHolders, [leaseIds, leaseKeys])
      : Promise.resolve(undefined),
  ]);
  for (const h of headRows.rows) heads.set(h.id, h);
  for (const row of holderRows?.rows ?? []) holders.set(pair(row.execution_id, row.key), row);
  return { heads, holders };
}

function checkFence(write: PreparedWrite['write'], holders: Map<string, Holder>): void {
  const lease = write.lease as FencedLease | undefined;
  if (!lease) return;
  lease.keys.forEach((key, i) => {
    const row = holders.get(pair(write.executionId, key));
    if (row?.claimed_by !== lease.worker) {
      throw new LeaseLostError(write.executionId, key, lease.worker, row?.claimed_by ?? undefined);
    }
    const fence = lease.fences?.[i];
    if (fence !== undefined && row.fence !== fence) {
      throw new LeaseLostError(
        write.executionId,
        key,
        lease.worker,
        `${row.claimed_by} with fencing token ${row.fence}, not ${fence},`,
      );
    }
  });
}

interface Event {
  id: string;
  seq: number;
  type: string;
  v: number;
  time: number;
  body: string;
}

interface HeadUpdate {
  id: string;
  nextSeq: number;
  historyBytes: number;
  state: string | null;
  status: string | null;
  recoveryAttempts: number | null;
  now: number;
}

/** What one commit writes, once checked. */
export interface WritePlan {
  events: Event[];
  heads: HeadUpdate[];
  remove: { id: string; key: string }[];
  finished: string[];
  /** Executions parked by this commit: their concurrency slots go back. */
  parked: string[];
  adds: { executionId: string; priority: number; item: PreparedWork }[];
  nextSeqs: number[];
}

/** A plan that writes nothing (a commit that only starts executions). */
export const emptyPlan = (): WritePlan => ({
  events: [],
  heads: [],
  remove: [],
  finished: [],
  parked: [],
  adds: [],
  nextSeqs: [],
});

export function planWrites(
  limits: StoreLimits,
  locked: Locked,
  writes: readonly PreparedWrite[],
  now: number,
): WritePlan {
  const plan = emptyPlan();
  for (const prepared of writes) {
    const { write, events, status } = prepared;
    const id = write.executionId;
    const head = locked.heads.get(id);
    if (!head) throw new NotFoundError(`execution ${id} does not exist`);
    // The fence first: a worker that lost the execution must drop it, not retry.
    checkFence(write, locked.holders);
    if (head.next_seq !== write.expectedNextSeq) {
      throw new SequenceMismatchError(id, write.expectedNextSeq, head.next_seq);
    }
    const changes = events.length > 0 || status !== undefined || prepared.addWork.length > 0;
    if (changes && terminalStates.includes(head.state)) {
      throw new ConflictError(`execution ${id} is ${head.state}: it takes no more history or work`);
    }
    const nextSeq = head.next_seq + events.length;
    const historyBytes = head.history_bytes + prepared.eventBytes;
    checkHistory(limits, id, nextSeq - 1, historyBytes);

    events.forEach((e, i) => plan.events.push({ id, seq: head.next_seq + i, ...e }));
    plan.heads.push({
      id,
      nextSeq,
      historyBytes,
      state: status?.state ?? null,
      status: status?.json ?? null,
      recoveryAttempts: write.recoveryAttempts ?? null,
      now,
    });
    for (const key of write.removeWork ?? []) plan.remove.push({ id, key });
    if (status && terminalStates.includes(status.state)) plan.finished.push(id);
    else {
      if (status?.state === 'parked') plan.parked.push(id);
      for (const item of prepared.addWork) {
        plan.adds.push({ executionId: id, priority: head.priority, item });
      }
    }
    plan.nextSeqs.push(nextSeq);
  }
  return plan;
}

/**
 * Writes the plans of one transaction. No two plans may write the same execution (the
 * committer keeps such commits for the next transaction). Returns the earliest dueAt of
 * the work added, for the wake-up.
 */
export async function executePlans(
  ctx: ApplyContext,
  plans: readonly WritePlan[],
): Promise<number | undefined> {
  const { client } = ctx;
  const events = plans.flatMap((p) => p.events);
  if (events.length > 0) {
    await send(
      ctx,
      client.query(history.insertEvents, [
        events.map((e) => e.id),
        events.map((e) => e.seq),
        events.map((e) => e.type),
        events.map((e) => e.v),
        events.map((e) => e.time),
        events.map((e) => e.body),
      ]),
    );
  }
  const heads = plans.flatMap((p) => p.heads);
  if (heads.length > 0) {
    await send(
      ctx,
      client.query(executions.updateHeads, [
        heads.map((h) => h.id),
        heads.map((h) => h.nextSeq),
        heads.map((h) => h.historyBytes),
        heads.map((h) => h.state),
        heads.map((h) => h.status),
        heads.map((h) => h.recoveryAttempts),
        heads.map((h) => h.now),
      ]),
    );
  }
  const remove = plans.flatMap((p) => p.remove);
  if (remove.length > 0) {
    await send(
      ctx,
      client.query(work.deleteWork, [remove.map((r) => r.id), remove.map((r) => r.key)]),
    );
  }
  // A finished execution has nothing left to do: its timers and ready work go.
  const finished = plans.flatMap((p) => p.finished);
  if (finished.length > 0) await send(ctx, client.query(work.deleteAllWork, [finished]));
  // ... and so do their concurrency slots (docs/operations.md "Limits"), in the same
  // transaction as the status that ends them; parked executions give theirs back.
  const now = Math.min(...heads.map((h) => h.now));
  let freed = 0;
  if (finished.length > 0) {
    freed += (await client.query(slotSql.deleteFinishedSlots, [finished, now])).rowCount ?? 0;
  }
  const parked = plans.flatMap((p) => p.parked);
  if (parked.length > 0) freed += (await client.query(slotSql.freeSlots, [parked])).rowCount ?? 0;
  const adds = plans.flatMap((p) => p.adds);
  await upsertWork(ctx, adds);
  // A freed slot may admit waiting work now: wake the workers as added work does.
  let earliest: number | undefined = freed > 0 ? now : undefined;
  for (const a of adds) earliest = Math.min(earliest ?? a.item.dueAt, a.item.dueAt);
  return earliest;
}
