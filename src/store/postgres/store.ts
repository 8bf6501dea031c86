// The PostgreSQL Store (DESIGN.md "Storage"): for many worker processes on many machines
// sharing one database, PostgreSQL being the only coordination point. Same contract as
// the SQLite store (test/store/contract.ts); docs/operations.md tells how to run it.
//
// Every write is one transaction (connection.ts) whose statements are batched per table
// (apply.ts). Claims use FOR UPDATE SKIP LOCKED under a lease, with a fencing token per
// claim; commits that add work NOTIFY listeners (listener.ts).

import type pg from 'pg';
import { decodeEvent } from '../../history/codec.js';
import type { Json } from '../../history/events.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { ConflictError, InvalidRequestError, NotFoundError, StoreClosedError } from '../errors.js';
import type { StoreLimits } from '../limits.js';
import { prepareBatch, prepareCreate } from '../prepare.js';
import type {
  CacheEntry,
  ClaimRequest,
  CommitBatch,
  CommitResult,
  CreatedExecution,
  ExecutionFilter,
  ExecutionPage,
  ExecutionRecord,
  HistoryRecord,
  NewExecution,
  NewWorkflow,
  Store,
  WorkflowRecord,
  WorkflowRef,
  WorkItem,
} from '../types.js';
import { applyCreate, type ApplyContext } from './apply.js';
import { Committer, type CommitterStats } from './committer.js';
import { query, transaction, type Retry } from './connection.js';
import { WorkListener, type WorkCallback } from './listener.js';
import { openPool, type Opened, type PostgresStoreOptions } from './open.js';
import {
  toExecution,
  toFencedWorkItem,
  toWorkflow,
  type ExecutionRow,
  type FencedWorkItem,
  type PgWorkRow,
  type WorkflowRow,
} from './rows.js';
import * as cache from './sql/cache.js';
import * as executions from './sql/executions.js';
import * as history from './sql/history.js';
import * as work from './sql/work.js';
import * as workflows from './sql/workflows.js';

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  return new PostgresStore(await openPool(options));
}

function claimProblem(request: ClaimRequest): string | undefined {
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

type Items = readonly { executionId: string; key: string }[];

export class PostgresStore implements Store {
  readonly limits: StoreLimits;
  readonly schema: string;
  /** The NOTIFY channel of this schema's work. */
  readonly channel: string;
  private readonly pool: pg.Pool;
  private readonly retry: Retry;
  private readonly agingMs: number;
  private readonly listener: WorkListener;
  private readonly committer: Committer;
  private readonly inflight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(opened: Opened) {
    this.pool = opened.pool;
    this.limits = opened.limits;
    this.schema = opened.schema;
    this.agingMs = opened.agingMs;
    this.retry = { budgetMs: opened.retryBudgetMs };
    this.channel = `weft_work_${opened.schema}`.slice(0, 63);
    this.committer = new Committer({
      pool: this.pool,
      retry: this.retry,
      limits: this.limits,
      agingMs: this.agingMs,
      notify: (client, dueAt) => this.notify(client, dueAt),
    });
    this.listener = new WorkListener({
      config: opened.config,
      channel: this.channel,
      pollMs: opened.pollMs,
    });
  }

  /** Tracks an operation so close() can wait for it; refuses new ones once closed. */
  private run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreClosedError('the store is closed'));
    const promise = operation();
    this.inflight.add(promise);
    const done = () => this.inflight.delete(promise);
    promise.then(done, done);
    return promise;
  }

  private read<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
    return this.run(async () => (await query<R>(this.pool, this.retry, sql, params)).rows);
  }

  private tx<T>(body: (ctx: ApplyContext) => Promise<T>): Promise<T> {
    return this.run(() =>
      transaction(this.pool, this.retry, (client) =>
        body({ client, limits: this.limits, agingMs: this.agingMs }),
      ),
    );
  }

  /** Claims, renewals, releases: their COMMIT need not wait for the WAL flush. */
  private lease<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.run(() => transaction(this.pool, this.retry, body, { asyncCommit: true }));
  }

  putWorkflow(workflow: NewWorkflow): Promise<{ workflow: WorkflowRecord; created: boolean }> {
    const ref = `${workflow.namespace}/${workflow.name}:${workflow.version}`;
    for (const field of ['namespace', 'name', 'version', 'hash', 'source'] as const) {
      if (typeof workflow[field] !== 'string' || workflow[field] === '') {
        return Promise.reject(new InvalidRequestError(`workflow ${ref}: ${field} is required`));
      }
    }
    return this.tx(async ({ client }) => {
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
          `workflow ${ref} is already registered with another content (hash ${row.hash}, ` +
            `not ${hash}): registered versions are immutable, use a new version`,
        );
      }
      return { workflow: toWorkflow(row), created: false };
    });
  }

  async getWorkflow(ref: WorkflowRef): Promise<WorkflowRecord | undefined> {
    const [row] = await this.read<WorkflowRow>(workflows.selectWorkflow, [
      ref.namespace,
      ref.name,
      ref.version,
    ]);
    return row && toWorkflow(row);
  }

  async listWorkflowVersions(namespace: string, name: string): Promise<WorkflowRecord[]> {
    const rows = await this.read<WorkflowRow>(workflows.selectWorkflowVersions, [namespace, name]);
    return rows.map(toWorkflow);
  }

  async createExecution(execution: NewExecution): Promise<CreatedExecution> {
    const prepared = prepareCreate(this.limits, execution);
    return this.tx(async (ctx) => {
      const created = await applyCreate(ctx, prepared);
      if (created.created) await this.notify(ctx.client, earliest(prepared.work));
      return created;
    });
  }

  async getExecution(id: string): Promise<ExecutionRecord | undefined> {
    const [row] = await this.read<ExecutionRow>(executions.selectExecution, [id]);
    return row && toExecution(row);
  }

  async listExecutions(filter: ExecutionFilter = {}): Promise<ExecutionPage> {
    const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 50), 1), 1000);
    const cursor = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    const rows = await this.read<ExecutionRow>(executions.listExecutions, [
      filter.workflow?.namespace ?? null,
      filter.workflow?.name ?? null,
      filter.workflow?.version ?? null,
      filter.parentId ?? null,
      filter.states ? [...filter.states] : null,
      cursor?.createdAt ?? null,
      cursor?.id ?? null,
      // One more than asked: tells whether there is a next page without a count query.
      limit + 1,
    ]);
    const items = rows.slice(0, limit).map(toExecution);
    const last = items[items.length - 1];
    const page: ExecutionPage = { items };
    if (rows.length > limit && last) page.nextCursor = encodeCursor(last);
    return page;
  }

  async unfinished(opts: { after?: string; limit?: number } = {}): Promise<ExecutionRecord[]> {
    const rows = await this.read<ExecutionRow>(executions.selectUnfinished, [
      opts.after ?? '',
      opts.limit ?? 1000,
    ]);
    return rows.map(toExecution);
  }

  /** Queued for group commit (committer.ts): settles once its transaction committed. */
  async commit(batch: CommitBatch): Promise<CommitResult> {
    const prepared = prepareBatch(this.limits, batch);
    return this.run(() => this.committer.submit(prepared));
  }

  /** Transactions and commits so far: shows group commit at work. */
  get stats(): Readonly<CommitterStats> {
    return this.committer.stats;
  }

  /** NOTIFY inside the transaction: delivered at COMMIT, dropped on ROLLBACK. */
  private async notify(client: pg.ClientBase, dueAt: number | undefined): Promise<void> {
    if (dueAt === undefined) return;
    await client.query(work.notify, [this.channel, String(dueAt)]);
  }

  async loadHistory(
    executionId: string,
    opts: { after?: number; limit?: number } = {},
  ): Promise<HistoryRecord[]> {
    const rows = await this.read<{ seq: number; body: string }>(history.selectHistory, [
      executionId,
      opts.after ?? 0,
      opts.limit ?? null,
    ]);
    if (rows.length === 0) {
      const exists = await this.read(executions.selectExists, [executionId]);
      if (exists.length === 0) throw new NotFoundError(`execution ${executionId} does not exist`);
    }
    return rows.map((row) => ({
      seq: row.seq,
      event: decodeEvent(row, { executionId, seq: row.seq }),
    }));
  }

  async dueTimers(now: number, limit: number): Promise<WorkItem[]> {
    const rows = await this.read<PgWorkRow>(work.selectDueTimers, [now, limit]);
    return rows.map(plain);
  }

  async nextDueAt(): Promise<number | undefined> {
    const [row] = await this.read<{ at: number | null }>(work.selectNextDue, []);
    return row?.at ?? undefined;
  }

  async claimWork(request: ClaimRequest): Promise<WorkItem[]> {
    return (await this.claimFenced(request)).map(({ fence: _fence, ...item }) => item);
  }

  /**
   * claimWork with each item's fencing token. Pass the tokens back as
   * `lease: { worker, keys, fences }` in the commit that records the result: a write
   * whose token is no longer the item's newest is refused with LeaseLostError, even when
   * the same worker name claimed the item again since.
   */
  async claimFenced(request: ClaimRequest): Promise<FencedWorkItem[]> {
    const problem = claimProblem(request);
    if (problem) throw new InvalidRequestError(`claimWork: ${problem}`);
    const rows = await this.lease(async (client) => {
      const result = await client.query<PgWorkRow & { claim_rank: number }>(work.claimWork, [
        request.worker,
        request.now,
        request.now + request.leaseMs,
        request.kinds ? [...request.kinds] : null,
        request.limit,
        this.agingMs,
      ]);
      return result.rows;
    });
    // RETURNING has no order: give the items back in claim order.
    rows.sort((a, b) => a.claim_rank - b.claim_rank || a.due_at - b.due_at);
    return rows.map(toFencedWorkItem);
  }

  async renewLease(worker: string, items: Items, leaseUntil: number): Promise<number> {
    if (items.length === 0) return 0;
    return this.lease(async (client) => {
      const result = await client.query(work.renewLease, [
        worker,
        items.map((i) => i.executionId),
        items.map((i) => i.key),
        leaseUntil,
        this.agingMs,
      ]);
      return result.rowCount ?? 0;
    });
  }

  async releaseWork(worker: string, items: Items): Promise<number> {
    if (items.length === 0) return 0;
    return this.lease(async (client) => {
      const result = await client.query<{ due_at: number }>(work.releaseWork, [
        worker,
        items.map((i) => i.executionId),
        items.map((i) => i.key),
        this.agingMs,
      ]);
      await this.notify(client, earliest(result.rows.map((r) => ({ dueAt: r.due_at }))));
      return result.rowCount ?? 0;
    });
  }

  async getCached(key: string, now: number): Promise<CacheEntry | undefined> {
    const [row] = await this.read<{ key: string; result: string; expires_at: number }>(
      cache.selectCache,
      [key, now],
    );
    return (
      row && { key: row.key, result: JSON.parse(row.result) as Json, expiresAt: row.expires_at }
    );
  }

  async pruneCache(now: number): Promise<number> {
    const result = await this.run(() =>
      query(this.pool, this.retry, cache.deleteStaleCache, [now]),
    );
    return result.rowCount ?? 0;
  }

  async noteRecoveryAttempt(executionId: string, now: number): Promise<number> {
    // Not retried on a lost connection: the increment may have happened.
    const result = await this.run(() =>
      query<{ recovery_attempts: number }>(
        this.pool,
        undefined,
        executions.incrementRecoveryAttempts,
        [now, executionId],
      ),
    );
    const row = result.rows[0];
    if (!row) throw new NotFoundError(`execution ${executionId} does not exist`);
    return row.recovery_attempts;
  }

  /**
   * Calls `callback` when work is added or released (LISTEN/NOTIFY), with the earliest
   * dueAt of that work, and every pollMs without one while the listening connection is
   * down. Returns the unsubscribe function.
   */
  onWork(callback: WorkCallback): () => void {
    if (this.closed) throw new StoreClosedError('the store is closed');
    return this.listener.subscribe(callback);
  }

  /** True while the LISTEN connection is up (tests and health checks). */
  get listening(): boolean {
    return this.listener.listening;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inflight]);
    await this.listener.stop();
    await this.pool.end();
  }
}

function plain(row: PgWorkRow): WorkItem {
  const { fence: _fence, ...item } = toFencedWorkItem(row);
  return item;
}

function earliest(
  work: readonly { dueAt: number }[],
  other: number | undefined = undefined,
): number | undefined {
  let at = other;
  for (const item of work) at = Math.min(at ?? item.dueAt, item.dueAt);
  return at;
}
