// The bodies of the write operations, run inside one transaction (connection.ts). They
// check in the same order as the SQLite store (exists, fence, sequence, final state,
// limits) so both stores give the same error for the same batch, then write with one
// statement per table for the whole batch (arrays through unnest).

import type pg from 'pg';
import { canonicalJson } from '../canonical.js';
import {
  ConflictError,
  IdempotencyConflictError,
  LeaseLostError,
  NotFoundError,
  SequenceMismatchError,
} from '../errors.js';
import { checkHistory, type StoreLimits } from '../limits.js';
import type { PreparedCreate, PreparedWork, PreparedWrite } from '../prepare.js';
import { terminalStates, type CreatedExecution, type ExecutionState } from '../types.js';
import { toExecution, type ExecutionRow, type WorkflowRow } from './rows.js';
import * as executions from './sql/executions.js';
import * as history from './sql/history.js';
import * as work from './sql/work.js';
import * as workflows from './sql/workflows.js';

/** What every write needs besides its data. */
export interface ApplyContext {
  client: pg.ClientBase;
  limits: StoreLimits;
  agingMs: number;
}

/** Adds work for several executions in one statement; the same key twice: last wins. */
export async function upsertWork(
  ctx: ApplyContext,
  items: readonly { executionId: string; priority: number; item: PreparedWork }[],
): Promise<void> {
  const byKey = new Map<string, (typeof items)[number]>();
  for (const entry of items) byKey.set(`${entry.executionId}\u0000${entry.item.key}`, entry);
  if (byKey.size === 0) return;
  const rows = [...byKey.values()];
  await ctx.client.query(work.upsertWork, [
    rows.map((r) => r.executionId),
    rows.map((r) => r.item.key),
    rows.map((r) => r.item.kind),
    rows.map((r) => r.item.dueAt),
    rows.map((r) => r.item.payload),
    rows.map((r) => r.priority),
    ctx.agingMs,
  ]);
}

function sameStart(row: ExecutionRow, prepared: PreparedCreate): CreatedExecution {
  const { execution } = prepared;
  const { namespace, name, version, hash } = execution.workflow;
  const key = execution.idempotencyKey ?? '';
  if (
    row.namespace !== namespace ||
    row.name !== name ||
    row.version !== version ||
    row.hash !== hash
  ) {
    throw new IdempotencyConflictError(key, row.id, `workflow (${namespace}/${name}:${version})`);
  }
  const existing = toExecution(row);
  if (canonicalJson(existing.input) !== prepared.canonicalInput) {
    throw new IdempotencyConflictError(key, row.id, 'input');
  }
  return { execution: existing, created: false };
}

async function byKey(ctx: ApplyContext, key: string): Promise<ExecutionRow | undefined> {
  return (await ctx.client.query<ExecutionRow>(executions.selectExecutionByKey, [key])).rows[0];
}

export async function applyCreate(
  ctx: ApplyContext,
  prepared: PreparedCreate,
): Promise<CreatedExecution> {
  const { client, limits } = ctx;
  const { execution } = prepared;
  const { namespace, name, version, hash } = execution.workflow;
  const ref = `${namespace}/${name}:${version}`;
  const key = execution.idempotencyKey;

  if (key !== undefined) {
    const row = await byKey(ctx, key);
    if (row) return sameStart(row, prepared);
  }
  const wf = (await client.query<WorkflowRow>(workflows.selectWorkflow, [namespace, name, version]))
    .rows[0];
  if (!wf) throw new NotFoundError(`workflow ${ref} is not registered`);
  if (wf.hash !== hash) {
    throw new ConflictError(
      `execution ${execution.id}: workflow ${ref} is registered with hash ${wf.hash}, not ${hash}`,
    );
  }
  if (
    execution.parentId !== undefined &&
    (await client.query(executions.selectExists, [execution.parentId])).rowCount === 0
  ) {
    throw new NotFoundError(
      `execution ${execution.id}: parent execution ${execution.parentId} does not exist`,
    );
  }
  checkHistory(limits, execution.id, 1, prepared.startedBytes);

  const createdAt = prepared.started.time;
  const priority = execution.priority ?? 0;
  const inserted = await client.query<ExecutionRow>(executions.insertExecution, [
    execution.id,
    namespace,
    name,
    version,
    hash,
    prepared.input,
    key ?? null,
    execution.parentId ?? null,
    priority,
    prepared.startedBytes,
    createdAt,
  ]);
  const row = inserted.rows[0];
  if (!row) {
    // A concurrent start with the same key committed first (ON CONFLICT waited for it).
    const winner = key === undefined ? undefined : await byKey(ctx, key);
    if (winner) return sameStart(winner, prepared);
    throw new ConflictError(`execution ${execution.id} already exists`);
  }
  const e = prepared.started;
  await client.query(history.insertEvents, [
    [execution.id],
    [1],
    [e.type],
    [e.v],
    [e.time],
    [e.body],
  ]);
  await upsertWork(
    ctx,
    prepared.work.map((item) => ({ executionId: execution.id, priority, item })),
  );
  return { execution: toExecution(row), created: true };
}

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

const pair = (id: string, key: string) => `${id}\u0000${key}`;

async function lockHolders(ctx: ApplyContext, writes: readonly PreparedWrite[]) {
  const ids: string[] = [];
  const keys: string[] = [];
  for (const { write } of writes) {
    for (const key of write.lease?.keys ?? []) {
      ids.push(write.executionId);
      keys.push(key);
    }
  }
  const holders = new Map<string, Holder>();
  if (ids.length === 0) return holders;
  const rows = (await ctx.client.query<Holder>(work.lockHolders, [ids, keys])).rows;
  for (const row of rows) holders.set(pair(row.execution_id, row.key), row);
  return holders;
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

/** Result of the writes of a batch: nextSeqs in order, and the earliest new work. */
export interface WritesApplied {
  nextSeqs: number[];
  earliestWork: number | undefined;
}

export async function applyWrites(
  ctx: ApplyContext,
  writes: readonly PreparedWrite[],
  now: number,
): Promise<WritesApplied> {
  if (writes.length === 0) return { nextSeqs: [], earliestWork: undefined };
  const { client, limits } = ctx;
  const heads = new Map(
    (
      await client.query<Head>(executions.lockHeads, [writes.map((w) => w.write.executionId)])
    ).rows.map((h) => [h.id, h]),
  );
  const holders = await lockHolders(ctx, writes);

  const ev = { ids: [] as string[], seqs: [] as number[], types: [] as string[] };
  const evMore = { vs: [] as number[], times: [] as number[], bodies: [] as string[] };
  const up = {
    ids: [] as string[],
    seqs: [] as number[],
    bytes: [] as number[],
    states: [] as (string | null)[],
    statuses: [] as (string | null)[],
    attempts: [] as (number | null)[],
  };
  const removeIds: string[] = [];
  const removeKeys: string[] = [];
  const finished: string[] = [];
  const adds: { executionId: string; priority: number; item: PreparedWork }[] = [];
  const nextSeqs: number[] = [];

  for (const prepared of writes) {
    const { write, events, status } = prepared;
    const id = write.executionId;
    const head = heads.get(id);
    if (!head) throw new NotFoundError(`execution ${id} does not exist`);
    // The fence first: a worker that lost the execution must drop it, not retry.
    checkFence(write, holders);
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

    events.forEach((e, i) => {
      ev.ids.push(id);
      ev.seqs.push(head.next_seq + i);
      ev.types.push(e.type);
      evMore.vs.push(e.v);
      evMore.times.push(e.time);
      evMore.bodies.push(e.body);
    });
    up.ids.push(id);
    up.seqs.push(nextSeq);
    up.bytes.push(historyBytes);
    up.states.push(status?.state ?? null);
    up.statuses.push(status?.json ?? null);
    up.attempts.push(write.recoveryAttempts ?? null);
    for (const key of write.removeWork ?? []) {
      removeIds.push(id);
      removeKeys.push(key);
    }
    if (status && terminalStates.includes(status.state)) finished.push(id);
    else
      for (const item of prepared.addWork)
        adds.push({ executionId: id, priority: head.priority, item });
    nextSeqs.push(nextSeq);
  }

  if (ev.ids.length > 0) {
    await client.query(history.insertEvents, [
      ev.ids,
      ev.seqs,
      ev.types,
      evMore.vs,
      evMore.times,
      evMore.bodies,
    ]);
  }
  await client.query(executions.updateHeads, [
    up.ids,
    up.seqs,
    up.bytes,
    up.states,
    up.statuses,
    up.attempts,
    now,
  ]);
  if (removeIds.length > 0) await client.query(work.deleteWork, [removeIds, removeKeys]);
  // A finished execution has nothing left to do: its timers and ready work go.
  if (finished.length > 0) await client.query(work.deleteAllWork, [finished]);
  await upsertWork(ctx, adds);
  let earliestWork: number | undefined;
  for (const a of adds) earliestWork = Math.min(earliestWork ?? a.item.dueAt, a.item.dueAt);
  return { nextSeqs, earliestWork };
}
