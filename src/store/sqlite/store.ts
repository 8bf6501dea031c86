// The SQLite Store (DESIGN.md "Storage"): the embedded default. Reads run directly on
// the connection; every write goes through the single Writer (writer.ts), which
// groups the writes of one tick into one transaction.

import type Database from 'better-sqlite3';
import type { Json } from '../../history/events.js';
import { InvalidRequestError, NotFoundError, StoreClosedError } from '../errors.js';
import { resolveLimits, type StoreLimits } from '../limits.js';
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
  HistoryRecord,
  NewExecution,
  NewWorkflow,
  ReleasedItem,
  Store,
  StoredEvent,
  WorkflowFilter,
  WorkflowPage,
  WorkflowRecord,
  WorkflowVersion,
  WorkflowRef,
  WorkItem,
} from '../types.js';
import { claimSqlite } from './claim.js';
import { type EventRow, eventBounds, prepareEvents, toStoredEvent } from '../events.js';
import { applyBatch, applyCreate, applyPutWorkflow } from './apply.js';
import { listExecutionsPage, listWorkflowsPage, loadHistoryRecords } from './queries.js';
import { holderState, type HolderState, kernelPath } from './claim-holders.js';
import { openDatabase, type OpenOptions } from './open.js';
import {
  toExecution,
  toWorkflow,
  toWorkItem,
  type ExecutionRow,
  type WorkflowRow,
  type WorkRow,
} from './rows.js';
import { maxSeq } from './sql/history.js';
import { prepareStatements, type Statements } from './statements.js';
import { WriteHeads } from './heads.js';
import { type ServingLock, takeServingLock } from './serving-lock.js';
import { Writer, type SameTurnLimits, type WriterStats } from './writer.js';

export interface SqliteStoreOptions extends OpenOptions {
  limits?: Partial<StoreLimits>;
  /** Most operations one group transaction carries (default 1000). */
  maxGroup?: number;
  /**
   * How long writes caused by a commit's own settled promises are flushed in the same
   * turn of the event loop (writer.ts; default 1 ms or 32 flushes). `{ ms: 0, flushes: 1 }` makes
   * every group wait for the next turn, as before session 12: the bench compares the two.
   */
  sameTurn?: SameTurnLimits;
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
  if (limits.maxHistoryEvents > maxSeq) {
    // the seq is 20 bits of a history row's key (sql/history.ts)
    throw new RangeError(
      `store limit maxHistoryEvents must be at most ${maxSeq} on SQLite, got ${limits.maxHistoryEvents}`,
    );
  }
  return new SqliteStore(openDatabase(options), limits, options.maxGroup, options.sameTurn);
}

/** How often a subscribed store looks for commits of other connections (watchOthers). */
const watchEveryMs = 100;

export class SqliteStore implements Store {
  /** One process per file: a starting worker voids the claims of the one before. */
  readonly exclusive = true;
  private readonly s: Statements;
  private readonly writer: Writer;
  /** Execution heads kept from this connection's writes (heads.ts). */
  private readonly heads = new WriteHeads();
  private closed = false;
  /** Held from the first resetClaims (this process serves the file) until close. */
  private servingLock: ServingLock | undefined;
  /** onEvent subscribers: engines on this store object (one process). */
  private readonly eventCallbacks = new Set<() => void>();
  /** onWork subscribers: the serving loop of an engine on this store object. */
  private readonly workCallbacks = new Set<(dueAt: number | undefined) => void>();
  /** Reads PRAGMA data_version while anyone subscribes (watchOthers). */
  private watcher: NodeJS.Timeout | undefined;

  constructor(
    readonly db: Database.Database,
    readonly limits: StoreLimits,
    maxGroup?: number,
    sameTurn?: SameTurnLimits,
  ) {
    this.s = prepareStatements(db);
    this.writer = new Writer(db, this.s, this.heads, maxGroup, sameTurn);
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

  workflowVersions(namespace: string, name: string): Promise<WorkflowVersion[]> {
    return this.read(
      (s) => s.selectWorkflowVersionHashes.all(namespace, name) as WorkflowVersion[],
    );
  }

  listWorkflows(filter: WorkflowFilter = {}): Promise<WorkflowPage> {
    return this.read((s) => listWorkflowsPage(s, filter));
  }

  async createExecution(execution: NewExecution): Promise<CreatedExecution> {
    const prepared = prepareCreate(this.limits, execution);
    return this.writer.submit(() => applyCreate(this.s, this.heads, this.limits, prepared));
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

  commit(batch: CommitBatch): Promise<CommitResult> {
    // not `async`: one promise per commit instead of two (this runs once per step)
    let prepared;
    try {
      prepared = prepareBatch(this.limits, batch);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.writer.submit(() => applyBatch(this.s, this.heads, this.limits, prepared));
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
    return this.writer.submit(() => claimSqlite(this.s, request));
  }

  /**
   * Voids the claims of the process before, which must be gone: this store takes the
   * serving lock first (serving-lock.ts), and a live serving process elsewhere makes it
   * fail with StoreInUseError before anything is written.
   */
  resetClaims(now: number): Promise<number> {
    if (this.closed) return Promise.reject(new StoreClosedError('the store is closed'));
    if (!this.servingLock && this.db.name !== ':memory:') {
      try {
        this.servingLock = takeServingLock(this.db.name);
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    // the claims of a process still running here (a `weft run` beside it) stay its own
    return this.writer.submit(
      () =>
        this.voidClaims((state) => state !== 'alive') +
        this.s.addMissingRunItems.run({ now }).changes,
    );
  }

  /**
   * The serving process, now and then: the claims of processes that are gone (a
   * `weft run` SIGKILLed beside it) become claimable, so it resumes their executions.
   * Its own (`worker`) and those of this process stay.
   */
  releaseOrphanedClaims(worker: string): Promise<number> {
    if (this.closed) return Promise.reject(new StoreClosedError('the store is closed'));
    return this.writer.submit(() =>
      this.voidClaims((state, name) => name !== worker && state === 'gone'),
    );
  }

  /** Which of `ids` have ended (completed, faulted or cancelled): one read. */
  endedAmong(ids: readonly string[]): Promise<string[]> {
    return this.read((s) => s.selectEndedAmong.pluck().all(JSON.stringify(ids)) as string[]);
  }

  /** Voids the claims of every holder `drop` picks; returns how many items moved. */
  private voidClaims(drop: (state: HolderState, name: string) => boolean): number {
    const file = kernelPath(this.db.name);
    let moved = 0;
    for (const name of this.s.selectClaimHolders.pluck().all() as string[])
      if (drop(holderState(name, file), name)) moved += this.s.voidClaimsOf.run(name).changes;
    return moved;
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

  // no fencing tokens here: one process serves the file, and its claims last while it lives
  releaseWork(worker: string, items: readonly ReleasedItem[]): Promise<number> {
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

  async appendEvents(events: readonly CloudEvent[], now: number): Promise<StoredEvent[]> {
    const prepared = prepareEvents(this.limits, events, now); // throws: the promise rejects
    if (prepared.length === 0) return [];
    let added = false;
    const stored = await this.writer.submit(() =>
      prepared.map((e) => {
        let row = this.s.insertStoredEvent.get(e.source, e.id, e.type, e.body, now) as
          EventRow | undefined;
        if (row) added = true;
        else row = this.s.selectEventByKey.get(e.source, e.id) as EventRow;
        return toStoredEvent(row);
      }),
    );
    // after the commit: a reader woken now finds the events
    if (added) for (const callback of [...this.eventCallbacks]) callback();
    return stored;
  }

  readEvents(query: EventQuery = {}): Promise<StoredEvent[]> {
    return this.read((s) => {
      const { after, since, limit } = eventBounds(query);
      return (s.selectEvents.all(after, since, limit) as EventRow[]).map(toStoredEvent);
    });
  }

  lastEventSeq(): Promise<number> {
    return this.read((s) => Number(s.selectLastEventSeq.pluck().get()));
  }

  pruneEvents(olderThan: number): Promise<number> {
    if (!Number.isSafeInteger(olderThan))
      return Promise.reject(
        new InvalidRequestError('pruneEvents: olderThan must be an integer (ms since the epoch)'),
      );
    return this.writer.submit(() => this.s.deleteOldEvents.run(olderThan).changes);
  }

  /**
   * Wake-ups for events: this store object's appends call back at once; those of other
   * connections (another process publishing) within watchEveryMs (watchOthers).
   */
  onEvent(callback: () => void): () => void {
    if (this.closed) throw new StoreClosedError('the store is closed');
    this.eventCallbacks.add(callback);
    this.watchOthers();
    return () => this.eventCallbacks.delete(callback);
  }

  /**
   * Wake-ups for work another connection added (Store.onWork): a start, a request or an
   * unpark written by a process beside the one serving the file (the CLI, an application
   * with worker.claimedOnly) reaches it within watchEveryMs instead of its next poll.
   */
  onWork(callback: (dueAt: number | undefined) => void): () => void {
    if (this.closed) throw new StoreClosedError('the store is closed');
    this.workCallbacks.add(callback);
    this.watchOthers();
    return () => this.workCallbacks.delete(callback);
  }

  /**
   * Commits of other connections change PRAGMA data_version (this connection's own do
   * not): read every watchEveryMs while anyone subscribes, a few microseconds each, and
   * call every subscriber back when it moved. The callbacks only wake readers that look
   * in the store themselves, so a change that concerns nobody costs one claim round.
   */
  private watchOthers(): void {
    if (this.watcher) return;
    const version = this.s.dataVersion.pluck();
    let seen = version.get() as number;
    this.watcher = setInterval(() => {
      if (this.closed || this.workCallbacks.size + this.eventCallbacks.size === 0) {
        clearInterval(this.watcher);
        this.watcher = undefined;
        return;
      }
      const now = version.get() as number;
      if (now === seen) return;
      seen = now;
      for (const callback of [...this.workCallbacks]) callback(undefined);
      for (const callback of [...this.eventCallbacks]) callback();
    }, watchEveryMs);
    this.watcher.unref();
  }

  pruneExecutions(before: number, limit: number): Promise<number> {
    const problem = pruneProblem(before, limit);
    if (problem) return Promise.reject(new InvalidRequestError(`pruneExecutions: ${problem}`));
    // one writer operation: the deletes of a batch are one transaction (keep `limit` small
    // enough that it does not hold up the steps queued behind it)
    return this.writer.submit(() => {
      const ids = this.s.selectPrunable.all({ before, limit }) as { id: string; xid: number }[];
      // (their work went with the commit that ended them)
      for (const { id, xid } of ids) {
        this.s.deleteHistory.run({ xid });
        this.s.deleteExecution.run(id);
        this.heads.forget(id);
      }
      return ids.length;
    });
  }

  noteRecoveryAttempt(executionId: string, now: number): Promise<number> {
    return this.writer.submit(() => {
      const attempts = this.s.incrementRecoveryAttempts.pluck().get(now, executionId) as
        number | undefined;
      if (attempts === undefined)
        throw new NotFoundError(`execution ${executionId} does not exist`);
      this.heads.forget(executionId);
      return attempts;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.writer.close();
    this.closed = true;
    this.eventCallbacks.clear();
    this.workCallbacks.clear();
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = undefined;
    this.db.close();
    this.servingLock?.release();
    this.servingLock = undefined;
  }
}

export type { Json };
