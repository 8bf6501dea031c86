// The PostgreSQL Store (DESIGN.md "Storage"): for many worker processes on many machines
// sharing one database, PostgreSQL being the only coordination point. Same contract as
// the SQLite store (test/store/contract.ts); docs/operations.md tells how to run it.
//
// Commits go through group commit (committer.ts, writes.ts), claims through leases.ts
// (FOR UPDATE SKIP LOCKED, a fencing token per claim), reads through one pooled
// statement each, except the point reads of attaching executions (getExecution, a whole
// loadHistory, noteRecoveryAttempt): those that arrive together are one statement
// (coalesce.ts). Every operation rides over lost connections (connection.ts). Commits
// that add work NOTIFY subscribers of onWork (listener.ts).

import type pg from 'pg';
import type { Json } from '../../history/events.js';
import { InvalidRequestError, NotFoundError, StoreClosedError } from '../errors.js';
import type { StoreLimits } from '../limits.js';
import { prepareBatch, prepareCreate, pruneProblem } from '../prepare.js';
import type {
  CacheEntry,
  ClaimRequest,
  CloudEvent,
  EventQuery,
  CommitBatch,
  CommitResult,
  CreatedExecution,
  ExecutionFilter,
  ExecutionPage,
  ExecutionRecord,
  HistoryChange,
  HistoryRecord,
  NewExecution,
  NewWorkflow,
  Store,
  StoredEvent,
  WorkflowFilter,
  WorkflowPage,
  WorkflowRecord,
  WorkflowVersion,
  WorkflowRef,
  WorkItem,
} from '../types.js';
import { type EventRow, eventBounds, prepareEvents, toStoredEvent } from '../events.js';
import { appendEvents } from './events.js';
import { applyPutWorkflow } from './apply.js';
import { Committer, type CommitterStats } from './committer.js';
import { query, transaction, type Retry } from './connection.js';
import { claim, claimProblem, release, renew, type Items, type ReleasedItems } from './leases.js';
import { WorkListener, type WorkCallback } from './listener.js';
import { LeaseHeartbeat } from './heartbeat.js';
import { openPool, type Opened, type PostgresStoreOptions } from './open.js';
import { PointReads } from './point-reads.js';
import {
  listExecutionsPage,
  listWorkflowsPage,
  loadHistoryRecords,
  toHistoryRecords,
  type Read,
} from './queries.js';
import {
  toExecution,
  toWorkflow,
  toWorkItem,
  type ExecutionRow,
  type FencedWorkItem,
  type PgWorkRow,
  type WorkflowRow,
} from './rows.js';
import * as cache from './sql/cache.js';
import * as eventsSql from './sql/events.js';
import * as executions from './sql/executions.js';
import * as work from './sql/work.js';
import * as workflows from './sql/workflows.js';

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  return new PostgresStore(await openPool(options));
}

export class PostgresStore implements Store {
  readonly limits: StoreLimits;
  readonly schema: string;
  /** The NOTIFY channel of this schema's work. */
  readonly channel: string;
  /** The NOTIFY channel of this schema's history feed (history-feed.ts). */
  readonly historyChannel: string;
  private readonly pool: pg.Pool;
  private readonly retry: Retry;
  private readonly agingMs: number;
  private readonly listener: WorkListener;
  private readonly committer: Committer;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly config: pg.ClientConfig;
  private closed = false;
  private readonly points: PointReads;

  constructor(opened: Opened) {
    this.pool = opened.pool;
    this.config = opened.config;
    this.limits = opened.limits;
    this.schema = opened.schema;
    this.agingMs = opened.agingMs;
    this.retry = { budgetMs: opened.retryBudgetMs };
    this.points = new PointReads(this.pool, this.retry);
    this.channel = `weft_work_${opened.schema}`.slice(0, 63);
    this.historyChannel = `weft_history_${opened.schema}`.slice(0, 63);
    this.committer = new Committer({
      pool: this.pool,
      retry: this.retry,
      limits: this.limits,
      agingMs: this.agingMs,
      notify: (client, dueAt) => this.notify(client, dueAt),
      historyChannel: this.historyChannel,
    });
    this.listener = new WorkListener({
      config: opened.config,
      channel: this.channel,
      historyChannel: this.historyChannel,
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

  private readonly read: Read = <R extends pg.QueryResultRow>(sql: string, params: unknown[]) =>
    this.run(async () => (await query<R>(this.pool, this.retry, sql, params)).rows);

  private tx<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.run(() => transaction(this.pool, this.retry, body));
  }

  /** Claims, renewals, releases: their COMMIT need not wait for the WAL flush. */
  private lease<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.run(() => transaction(this.pool, this.retry, body, { asyncCommit: true }));
  }

  /** NOTIFY inside the transaction: delivered at COMMIT, dropped on ROLLBACK. */
  private async notify(client: pg.ClientBase, dueAt: number | undefined): Promise<void> {
    if (dueAt === undefined) return;
    await client.query(work.notify, [this.channel, String(dueAt)]);
  }

  putWorkflow(workflow: NewWorkflow): Promise<{ workflow: WorkflowRecord; created: boolean }> {
    const ref = `${workflow.namespace}/${workflow.name}:${workflow.version}`;
    for (const field of ['namespace', 'name', 'version', 'hash', 'source'] as const) {
      if (typeof workflow[field] !== 'string' || workflow[field] === '') {
        return Promise.reject(new InvalidRequestError(`workflow ${ref}: ${field} is required`));
      }
    }
    return this.tx((client) => applyPutWorkflow(client, workflow));
  }

  async getWorkflow(ref: WorkflowRef): Promise<WorkflowRecord | undefined> {
    const params = [ref.namespace, ref.name, ref.version];
    const [row] = await this.read<WorkflowRow>(workflows.selectWorkflow, params);
    return row && toWorkflow(row);
  }

  async listWorkflowVersions(namespace: string, name: string): Promise<WorkflowRecord[]> {
    const rows = await this.read<WorkflowRow>(workflows.selectWorkflowVersions, [namespace, name]);
    return rows.map(toWorkflow);
  }

  workflowVersions(namespace: string, name: string): Promise<WorkflowVersion[]> {
    return this.read<WorkflowVersion>(workflows.selectWorkflowVersionHashes, [namespace, name]);
  }

  listWorkflows(filter: WorkflowFilter = {}): Promise<WorkflowPage> {
    return listWorkflowsPage(this.read, filter);
  }

  /**
   * Group commit (committer.ts), like commit(): concurrent starts share one transaction,
   * one WAL flush and one NOTIFY (each inside its own savepoint, so one refused start
   * fails alone). One transaction per start capped a client at 220-350 starts/s on the
   * 2-core bench box (bench/workers/run.ts), and every NOTIFY serialises commits.
   */
  async createExecution(execution: NewExecution): Promise<CreatedExecution> {
    const prepared = prepareCreate(this.limits, execution);
    const result = await this.run(() =>
      this.committer.submit({
        now: prepared.started.time,
        creates: [prepared],
        writes: [],
        cache: [],
      }),
    );
    return result.created[0]!;
  }

  async getExecution(id: string): Promise<ExecutionRecord | undefined> {
    const row = await this.run(() => this.points.execution(id));
    return row && toExecution(row);
  }

  listExecutions(filter: ExecutionFilter = {}): Promise<ExecutionPage> {
    return listExecutionsPage(this.read, filter);
  }

  async unfinished(opts: { after?: string; limit?: number } = {}): Promise<ExecutionRecord[]> {
    const params = [opts.after ?? '', opts.limit ?? 1000];
    return (await this.read<ExecutionRow>(executions.selectUnfinished, params)).map(toExecution);
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

  async loadHistory(
    executionId: string,
    opts: { after?: number; limit?: number } = {},
  ): Promise<HistoryRecord[]> {
    const after = opts.after ?? 0;
    // a page, or a cursor PostgreSQL would refuse: alone, so a bad one fails only its caller
    if (
      opts.limit !== undefined ||
      !Number.isSafeInteger(after) ||
      after < 0 ||
      after > 2 ** 31 - 1
    )
      return loadHistoryRecords(this.read, executionId, opts);
    const rows = await this.run(() =>
      after === 0 ? this.points.history(executionId) : this.points.historyAfter(executionId, after),
    );
    return toHistoryRecords(this.read, executionId, rows ?? []);
  }

  async dueTimers(now: number, limit: number): Promise<WorkItem[]> {
    return (await this.read<PgWorkRow>(work.selectDueTimers, [now, limit])).map(toWorkItem);
  }

  async nextDueAt(): Promise<number | undefined> {
    const [row] = await this.read<{ at: number | null }>(work.selectNextDue, []);
    return row?.at ?? undefined;
  }

  async claimWork(request: ClaimRequest): Promise<WorkItem[]> {
    return (await this.claimFenced(request)).map(
      ({ fence: _fence, priorHolder: _holder, ...item }) => item,
    );
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
    return this.lease((client) => claim(client, request, this.agingMs));
  }

  /**
   * The durable engine's lease keeper: a heartbeat thread with its own connection, so a
   * blocked event loop does not let the claims of `worker` lapse (heartbeat.ts).
   */
  leaseKeeper(worker: string, leaseMs: number): LeaseHeartbeat {
    return new LeaseHeartbeat({
      connectionString: String(this.config.connectionString),
      schema: this.schema,
      worker,
      leaseMs,
      agingSeconds: this.agingMs / 1000,
      applicationName: `${String(this.config.application_name)}-heartbeat`,
    });
  }

  async renewLease(worker: string, items: Items, leaseUntil: number): Promise<number> {
    if (items.length === 0) return 0;
    return this.lease((client) => renew(client, worker, items, leaseUntil, this.agingMs));
  }

  async releaseWork(worker: string, items: ReleasedItems): Promise<number> {
    if (items.length === 0) return 0;
    return this.lease(async (client) => {
      const { released, earliest } = await release(client, worker, items, this.agingMs);
      await this.notify(client, earliest);
      return released;
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

  async appendEvents(events: readonly CloudEvent[], now: number): Promise<StoredEvent[]> {
    const prepared = prepareEvents(this.limits, events, now);
    if (prepared.length === 0) return [];
    return this.tx((client) => appendEvents(client, this.schema, this.channel, prepared, now));
  }

  async readEvents(query: EventQuery = {}): Promise<StoredEvent[]> {
    const { after, since, limit } = eventBounds(query);
    const rows = await this.read<EventRow>(eventsSql.selectEvents, [after, since, limit]);
    return rows.map(toStoredEvent);
  }

  async lastEventSeq(): Promise<number> {
    const [row] = await this.read<{ seq: number }>(eventsSql.selectLastEventSeq, []);
    return Number(row?.seq ?? 0);
  }

  async pruneEvents(olderThan: number): Promise<number> {
    if (!Number.isSafeInteger(olderThan))
      throw new InvalidRequestError(
        'pruneEvents: olderThan must be an integer (ms since the epoch)',
      );
    const result = await this.run(() =>
      query(this.pool, this.retry, eventsSql.deleteOldEvents, [olderThan]),
    );
    return result.rowCount ?? 0;
  }

  /** Wake-ups after events were stored by any process (NOTIFY), every pollMs while down. */
  onEvent(callback: () => void): () => void {
    if (this.closed) throw new StoreClosedError('the store is closed');
    return this.listener.subscribeEvents(callback);
  }

  async pruneExecutions(before: number, limit: number): Promise<number> {
    const problem = pruneProblem(before, limit);
    if (problem) throw new InvalidRequestError(`pruneExecutions: ${problem}`);
    const result = await this.run(() =>
      query(this.pool, this.retry, executions.pruneExecutions, [before, limit]),
    );
    return result.rowCount ?? 0;
  }

  async noteRecoveryAttempt(executionId: string, now: number): Promise<number> {
    const attempts = await this.run(() => this.points.noteRecoveryAttempt(executionId, now));
    if (attempts === undefined) throw new NotFoundError(`execution ${executionId} does not exist`);
    return attempts;
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

  /** History appended by every process on this schema (history-feed.ts). */
  onHistory(callback: (changes: readonly HistoryChange[]) => void): () => void {
    if (this.closed) throw new StoreClosedError('the store is closed');
    return this.listener.subscribeHistory(callback);
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
