// The SQLite Store (DESIGN.md "Storage"): the embedded default. Reads run directly on
// the connection; every write goes through the single Writer (writer.ts), which
// groups the writes of one tick into one transaction.

import type Database from 'better-sqlite3';
import type { Json } from '../../history/events.js';
import { InvalidRequestError, NotFoundError, StoreClosedError } from '../errors.js';
import { resolveLimits, type StoreLimits } from '../limits.js';
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
  WorkflowFilter,
  WorkflowPage,
  WorkflowRecord,
  WorkflowRef,
  WorkItem,
} from '../types.js';
import { applyBatch, applyCreate, applyPutWorkflow } from './apply.js';
import { listExecutionsPage, listWorkflowsPage, loadHistoryRecords } from './queries.js';
import { openDatabase, type OpenOptions } from './open.js';
import {
  toExecution,
  toWorkflow,
  toWorkItem,
  type ExecutionRow,
  type WorkflowRow,
  type WorkRow,
} from './rows.js';
import { prepareStatements, type Statements } from './statements.js';
import { Writer, type WriterStats } from './writer.js';

export interface SqliteStoreOptions extends OpenOptions {
  limits?: Partial<StoreLimits>;
  /** Most operations one group transaction carries (default 1000). */
  maxGroup?: number;
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

export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const limits = resolveLimits(options.limits);
  return new SqliteStore(openDatabase(options), limits, options.maxGroup);
}

export class SqliteStore implements Store {
  /** One process per file: a starting worker voids the claims of the one before. */
  readonly exclusive = true;
  private readonly s: Statements;
  private readonly writer: Writer;
  private closed = false;

  constructor(
    readonly db: Database.Database,
    readonly limits: StoreLimits,
    maxGroup?: number,
  ) {
    this.s = prepareStatements(db);
    this.writer = new Writer(db, this.s, maxGroup);
  }

  /** Transactions and operations so far: shows group commit at work. */
  get stats(): Readonly<WriterStats> {
    return this.writer.stats;
  }

  private open(): Statements {
    if (this.closed) throw new StoreClosedError('the store is closed');
    return this.s;
  }

  private async read<T>(fn: (s: Statements) => T): Promise<T> {
    return fn(this.open());
  }

  putWorkflow(workflow: NewWorkflow): Promise<{ workflow: WorkflowRecord; created: boolean }> {
    const ref = `${workflow.namespace}/${workflow.name}:${workflow.version}`;
    for (const field of ['namespace', 'name', 'version', 'hash', 'source'] as const) {
      if (typeof workflow[field] !== 'string' || workflow[field] === '') {
        return Promise.reject(new InvalidRequestError(`workflow ${ref}: ${field} is required`));
      }
    }
    return this.writer.submit(() => applyPutWorkflow(this.s, workflow));
  }

  getWorkflow(ref: WorkflowRef): Promise<WorkflowRecord | undefined> {
    return this.read((s) => {
      const row = s.selectWorkflow.get(ref.namespace, ref.name, ref.version) as
        WorkflowRow | undefined;
      return row && toWorkflow(row);
    });
  }

  listWorkflowVersions(namespace: string, name: string): Promise<WorkflowRecord[]> {
    return this.read((s) =>
      (s.selectWorkflowVersions.all(namespace, name) as WorkflowRow[]).map(toWorkflow),
    );
  }

  listWorkflows(filter: WorkflowFilter = {}): Promise<WorkflowPage> {
    return this.read((s) => listWorkflowsPage(s, filter));
  }

  async createExecution(execution: NewExecution): Promise<CreatedExecution> {
    const prepared = prepareCreate(this.limits, execution);
    return this.writer.submit(() => applyCreate(this.s, this.limits, prepared));
  }

  getExecution(id: string): Promise<ExecutionRecord | undefined> {
    return this.read((s) => {
      const row = s.selectExecution.get(id) as ExecutionRow | undefined;
      return row && toExecution(row);
    });
  }

  listExecutions(filter: ExecutionFilter = {}): Promise<ExecutionPage> {
    return this.read((s) => listExecutionsPage(s, filter));
  }

  unfinished(opts: { after?: string; limit?: number } = {}): Promise<ExecutionRecord[]> {
    return this.read((s) =>
      (s.selectUnfinished.all(opts.after ?? '', opts.limit ?? 1000) as ExecutionRow[]).map(
        toExecution,
      ),
    );
  }

  async commit(batch: CommitBatch): Promise<CommitResult> {
    const prepared = prepareBatch(this.limits, batch);
    return this.writer.submit(() => applyBatch(this.s, this.limits, prepared));
  }

  loadHistory(
    executionId: string,
    opts: { after?: number; limit?: number } = {},
  ): Promise<HistoryRecord[]> {
    return this.read((s) => loadHistoryRecords(s, executionId, opts));
  }

  dueTimers(now: number, limit: number): Promise<WorkItem[]> {
    return this.read((s) => (s.selectDueTimers.all(now, limit) as WorkRow[]).map(toWorkItem));
  }

  nextDueAt(): Promise<number | undefined> {
    return this.read((s) => (s.selectNextDue.pluck().get() as number | null) ?? undefined);
  }

  claimWork(request: ClaimRequest): Promise<WorkItem[]> {
    const problem = claimProblem(request);
    if (problem) return Promise.reject(new InvalidRequestError(`claimWork: ${problem}`));
    return this.writer.submit(() =>
      (
        this.s.claimWork.all({
          worker: request.worker,
          now: request.now,
          leaseUntil: request.now + request.leaseMs,
          kinds: request.kinds ? JSON.stringify(request.kinds) : null,
          limit: request.limit,
        }) as WorkRow[]
      )
        .map(toWorkItem)
        .sort((a, b) => b.priority - a.priority || a.dueAt - b.dueAt),
    );
  }

  resetClaims(now: number): Promise<number> {
    return this.writer.submit(
      () => this.s.resetClaims.run().changes + this.s.addMissingRunItems.run({ now }).changes,
    );
  }

  renewLease(
    worker: string,
    items: readonly { executionId: string; key: string }[],
    leaseUntil: number,
  ): Promise<number> {
    return this.writer.submit(() => {
      let renewed = 0;
      for (const item of items) {
        const run = this.s.renewLease.run(
          leaseUntil,
          leaseUntil,
          item.executionId,
          item.key,
          worker,
        );
        renewed += run.changes;
      }
      return renewed;
    });
  }

  releaseWork(
    worker: string,
    items: readonly { executionId: string; key: string }[],
  ): Promise<number> {
    return this.writer.submit(() => {
      let released = 0;
      for (const item of items) {
        released += this.s.releaseWork.run(item.executionId, item.key, worker).changes;
      }
      return released;
    });
  }

  getCached(key: string, now: number): Promise<CacheEntry | undefined> {
    return this.read((s) => {
      const row = s.selectCache.get(key, now) as
        { key: string; result: string; expires_at: number } | undefined;
      return (
        row && { key: row.key, result: JSON.parse(row.result) as Json, expiresAt: row.expires_at }
      );
    });
  }

  pruneCache(now: number): Promise<number> {
    return this.writer.submit(() => this.s.deleteStaleCache.run(now).changes);
  }

  noteRecoveryAttempt(executionId: string, now: number): Promise<number> {
    return this.writer.submit(() => {
      const attempts = this.s.incrementRecoveryAttempts.pluck().get(now, executionId) as
        number | undefined;
      if (attempts === undefined)
        throw new NotFoundError(`execution ${executionId} does not exist`);
      return attempts;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.writer.close();
    this.closed = true;
    this.db.close();
  }
}

export type { Json };
