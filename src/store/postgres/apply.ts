// Registering workflows and creating executions inside a transaction (connection.ts), with
// the same checks and errors as the SQLite store; and adding work, one statement for many.

import type pg from 'pg';
import { canonicalJson } from '../canonical.js';
import { ConflictError, IdempotencyConflictError, NotFoundError } from '../errors.js';
import { checkHistory, type StoreLimits } from '../limits.js';
import type { PreparedCreate, PreparedWork } from '../prepare.js';
import type { CreatedExecution, NewWorkflow, WorkflowRecord } from '../types.js';
import { toExecution, toWorkflow, type ExecutionRow, type WorkflowRow } from './rows.js';
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
    rows.map((r) => r.item.claimedBy),
    rows.map((r) => r.item.leaseUntil),
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

export async function applyPutWorkflow(
  client: pg.ClientBase,
  workflow: NewWorkflow,
): Promise<{ workflow: WorkflowRecord; created: boolean }> {
  const { namespace, name, version, hash, source, createdAt } = workflow;
  const inserted = await client.query(workflows.insertWorkflow, [
    namespace,
    name,
    version,
    hash,
    source,
    createdAt,
  ]);
  if (inserted.rowCount === 1) return { workflow: { ...workflow }, created: true };
  const row = (
    await client.query<WorkflowRow>(workflows.selectWorkflow, [namespace, name, version])
  ).rows[0]!;
  if (row.hash !== hash) {
    throw new ConflictError(
      `workflow ${namespace}/${name}:${version} is already registered with another content ` +
        `(hash ${row.hash}, not ${hash}): registered versions are immutable, use a new version`,
    );
  }
  return { workflow: toWorkflow(row), created: false };
}
