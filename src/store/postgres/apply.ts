// Registering workflows and creating executions inside a transaction (connection.ts), with
// the same checks and errors as the SQLite store; and adding work, one statement for many.

import type pg from 'pg';
import { canonicalJson } from '../canonical.js';
import { ConflictError, IdempotencyConflictError, NotFoundError } from '../errors.js';
import { checkHistory, type StoreLimits } from '../limits.js';
import type { PreparedCreate, PreparedWork } from '../prepare.js';
import type { CreatedExecution, NewWorkflow, WorkflowRecord } from '../types.js';
import type { Defer } from './connection.js';
import { toExecution, toWorkflow, type ExecutionRow, type WorkflowRow } from './rows.js';
import * as executions from './sql/executions.js';
import * as history from './sql/history.js';
import * as slotSql from './sql/limits.js';
import * as work from './sql/work.js';
import * as workflows from './sql/workflows.js';

/** What every write needs besides its data. */
export interface ApplyContext {
  client: pg.ClientBase;
  limits: StoreLimits;
  agingMs: number;
  /** Leaves a write in flight until COMMIT (connection.ts), on a pipelining connection. */
  defer?: Defer | undefined;
}

/** Sends a write whose result is not needed: deferred to COMMIT when it can be. */
export async function send(ctx: ApplyContext, statement: Promise<unknown>): Promise<void> {
  if (ctx.defer) ctx.defer(statement);
  else await statement;
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
  await send(
    ctx,
    ctx.client.query(work.upsertWork, [
      rows.map((r) => r.executionId),
      rows.map((r) => r.item.key),
      rows.map((r) => r.item.kind),
      rows.map((r) => r.item.dueAt),
      rows.map((r) => r.item.payload),
      rows.map((r) => r.priority),
      ctx.agingMs,
      rows.map((r) => r.item.claimedBy),
      rows.map((r) => r.item.leaseUntil),
    ]),
  );
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

/** The version a start names must be registered with the hash it pins. */
function checkVersion(wf: WorkflowRow | undefined, prepared: PreparedCreate): void {
  const { id, workflow } = prepared.execution;
  const ref = `${workflow.namespace}/${workflow.name}:${workflow.version}`;
  if (!wf) throw new NotFoundError(`workflow ${ref} is not registered`);
  if (wf.hash !== workflow.hash) {
    throw new ConflictError(
      `execution ${id}: workflow ${ref} is registered with hash ${wf.hash}, not ${workflow.hash}`,
    );
  }
}

/** A start with neither idempotency key, parent nor limit slots: applyStarts can take it. */
export function isPlainStart(prepared: PreparedCreate): boolean {
  const e = prepared.execution;
  return e.idempotencyKey === undefined && e.parentId === undefined && prepared.slots.length === 0;
}

export type StartOutcome = { ok: true; created: CreatedExecution } | { ok: false; error: unknown };

/**
 * Plain starts (isPlainStart) together, with applyCreate's checks and errors, in four
 * statements whatever their number (one read per workflow version, one insert per table)
 * instead of four each inside a savepoint: group-committed starts were 6 round trips
 * apiece. Each start fails alone (unknown version, limits, existing id).
 */
export async function applyStarts(
  ctx: ApplyContext,
  starts: readonly PreparedCreate[],
): Promise<StartOutcome[]> {
  const { client, limits } = ctx;
  const outcomes: StartOutcome[] = [];
  const versions = new Map<string, WorkflowRow | undefined>();
  const keyOf = (p: PreparedCreate) => {
    const { namespace, name, version } = p.execution.workflow;
    return JSON.stringify([namespace, name, version]);
  };
  for (const p of starts) {
    const key = keyOf(p);
    if (versions.has(key)) continue;
    const { namespace, name, version } = p.execution.workflow;
    const found = await client.query<WorkflowRow>(workflows.selectWorkflow, [
      namespace,
      name,
      version,
    ]);
    versions.set(key, found.rows[0]);
  }
  const checked: PreparedCreate[] = [];
  starts.forEach((p, i) => {
    try {
      checkVersion(versions.get(keyOf(p)), p);
      checkHistory(limits, p.execution.id, 1, p.startedBytes);
      checked.push(p);
    } catch (error) {
      outcomes[i] = { ok: false, error };
    }
  });
  const rows = new Map<string, ExecutionRow>();
  if (checked.length > 0) {
    const e = checked.map((p) => p.execution);
    const inserted = await client.query<ExecutionRow>(executions.insertExecutions, [
      e.map((x) => x.id),
      e.map((x) => x.workflow.namespace),
      e.map((x) => x.workflow.name),
      e.map((x) => x.workflow.version),
      e.map((x) => x.workflow.hash),
      checked.map((p) => p.input),
      e.map((x) => x.priority ?? 0),
      checked.map((p) => p.startedBytes),
      checked.map((p) => p.started.time),
    ]);
    for (const row of inserted.rows) rows.set(row.id, row);
  }
  const created = checked.filter((p) => rows.has(p.execution.id));
  if (created.length > 0) {
    const started = created.map((p) => p.started);
    await send(
      ctx,
      client.query(history.insertEvents, [
        created.map((p) => p.execution.id),
        created.map(() => 1),
        started.map((e) => e.type),
        started.map((e) => e.v),
        started.map((e) => e.time),
        started.map((e) => e.body),
      ]),
    );
    await upsertWork(
      ctx,
      created.flatMap((p) =>
        p.work.map((item) => ({
          executionId: p.execution.id,
          priority: p.execution.priority ?? 0,
          item,
        })),
      ),
    );
  }
  starts.forEach((p, i) => {
    if (outcomes[i]) return;
    const row = rows.get(p.execution.id);
    outcomes[i] = row
      ? { ok: true, created: { execution: toExecution(row), created: true } }
      : { ok: false, error: new ConflictError(`execution ${p.execution.id} already exists`) };
  });
  return outcomes;
}

export async function applyCreate(
  ctx: ApplyContext,
  prepared: PreparedCreate,
): Promise<CreatedExecution> {
  const { client, limits } = ctx;
  const { execution } = prepared;
  const { namespace, name, version, hash } = execution.workflow;
  const key = execution.idempotencyKey;

  if (key !== undefined) {
    const row = await byKey(ctx, key);
    if (row) return sameStart(row, prepared);
  }
  const wf = (await client.query<WorkflowRow>(workflows.selectWorkflow, [namespace, name, version]))
    .rows[0];
  checkVersion(wf, prepared);
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
  const { slots } = prepared;
  if (slots.length > 0) {
    await client.query(slotSql.insertSlots, [
      slots.map(() => execution.id),
      slots.map((slot) => slot.kind),
      slots.map((slot) => slot.key),
      slots.map((slot) => slot.lim),
      slots.map((slot) => slot.periodMs),
    ]);
  }
  const record = toExecution(row);
  if (slots.length > 0) record.awaitingAdmission = true; // its slots: unadmitted
  return { execution: record, created: true };
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
