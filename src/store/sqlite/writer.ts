// The single writer with group commit (DESIGN.md "Storage").
//
// Every write operation (commit, createExecution, claimWork, ...) is queued here. The
// first operation of a tick schedules a flush with setImmediate; the flush runs every
// queued operation inside ONE `BEGIN IMMEDIATE ... COMMIT` and only then settles their
// promises. So N concurrent executions' steps cost one fsync instead of N, and a promise
// never resolves before its data is durable. A failing operation (sequence mismatch,
// lease lost, limit) is rolled back alone: the group first runs without savepoints and,
// only when an operation fails, is rolled back and run again with one savepoint per
// operation (a savepoint copies every page an operation touches to the statement
// journal; failures are rare, successful groups are the hot path). SAVEPOINT + RELEASE
// alone measured 0.6-0.9 µs per operation; the engine's CPU per step went from ~150 to
// ~70-84 µs with this and the other write-path changes (docs/benchmarks.md, 2026-11-26).
//
// The next group does not always wait for the next turn of the event loop. When the
// promises a flush settled lead, through microtasks alone, to new writes (an execution
// whose next step needs no I/O: a registered function, a `set`, a branch), those writes
// are flushed as soon as the microtasks have run, in the same turn. 7-8 µs passed between
// a write's submit and its flush, most of them microtasks a step runs anyway: same-turn
// flushes saved 1-3 µs a step, 0-7% of chain40 (session 12, docs/benchmarks.md). Every
// write the settled promises could lead to is queued by then, so the group is as large
// as the next turn's would be. Writes from I/O callbacks (an HTTP response, a timer)
// still wait for the turn, which gathers all of them. A run of such flushes yields to
// the event loop after `ms` or `flushes` (SameTurnLimits), whichever comes first, so a long
// chain of steps never starves I/O, timers or the HTTP API.
//
// Measured on the shared 2-core dev VM, synchronous=FULL (bench/store/commit.ts,
// docs/storage.md): one commit per transaction 200-320 µs (3-5K commits/s, the fsync);
// 100 concurrent commits grouped into one transaction 24-47 µs per step (21-42K
// steps/s). Without grouping the engine could not reach 10K durable steps/s.

import type Database from 'better-sqlite3';
import { StoreBusyError, StoreClosedError } from '../errors.js';
import type { WriteHeads } from './heads.js';
import type { Statements } from './statements.js';

interface Outcome {
  ok: boolean;
  value: unknown;
}

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface WriterStats {
  /** SQLite transactions committed. */
  transactions: number;
  /** Operations (commits, creates, claims, ...) carried by them, failed ones included. */
  operations: number;
  /** The most operations one transaction carried. */
  largestGroup: number;
  /**
   * Milliseconds spent in BEGIN IMMEDIATE and the operations' statements, and in COMMIT
   * (the WAL write and, with synchronous=FULL, its fsync), summed over transactions. The
   * engine bench splits a step's time with them (bench/engine/run.ts).
   */
  statementsMs: number;
  commitMs: number;
  /** Flushes run right after the microtasks of the flush before, in the same turn. */
  sameTurn: number;
  /** Writes whose execution head came from this connection's cache, not a read (heads.ts). */
  headsKept: number;
  /** Groups run again with a savepoint per operation, after one of them failed. */
  isolated: number;
}

/**
 * Why SQLite could not write, when the cause is the machine and not the data: the same
 * write can succeed later, so it fails as StoreBusyError (retryable) and the engine
 * resumes the execution from its history, instead of faulting it because a disk was full
 * for a moment. Undefined for anything else (a constraint, corruption, a bug).
 */
function unavailable(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'))
    return 'another connection held the write lock past the busy timeout';
  const message = (error as Error).message;
  if (code === 'SQLITE_FULL') return `the disk or database is full (${code}: ${message})`;
  if (code.startsWith('SQLITE_IOERR')) return `an I/O error (${code}: ${message})`;
  if (code === 'SQLITE_NOMEM') return `out of memory (${code})`;
  if (code.startsWith('SQLITE_READONLY')) return `the file cannot be written (${code}: ${message})`;
  return undefined;
}

/** How long, and for how many flushes, writes may be flushed without a turn of the loop. */
export interface SameTurnLimits {
  /** Milliseconds since the turn's first flush began; 0: every group waits for a turn. */
  ms: number;
  /** Flushes in one turn, its first included. */
  flushes: number;
}

export const defaultSameTurnLimits: SameTurnLimits = { ms: 1, flushes: 32 };

export class Writer {
  private queue: Pending[] = [];
  /** A flush is due: on the next turn (setImmediate) or when the microtasks have run. */
  private scheduled = false;
  private closed = false;
  /** From a flush until the microtasks it caused have run (afterMicrotasks). */
  private settling = false;
  /** When this turn's first flush began, and how many flushes the turn has run. */
  private turnStarted = 0;
  private turnFlushes = 0;
  /** PRAGMA data_version, read at each BEGIN for the heads (heads.ts). */
  private readonly dataVersion: Database.Statement;
  readonly stats: WriterStats = {
    transactions: 0,
    operations: 0,
    largestGroup: 0,
    statementsMs: 0,
    commitMs: 0,
    sameTurn: 0,
    headsKept: 0,
    isolated: 0,
  };

  constructor(
    private readonly db: Database.Database,
    private readonly s: Statements,
    /** Each transaction's heads: begun, committed and rolled back with it. */
    private readonly heads: WriteHeads,
    /** Cap on one transaction's operations, so one fsync never waits on a huge group. */
    private readonly maxGroup = 1000,
    private readonly sameTurn: SameTurnLimits = defaultSameTurnLimits,
  ) {
    this.dataVersion = s.dataVersion.pluck();
  }

  submit<T>(run: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreClosedError('the store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // while settling, afterMicrotasks flushes or hands over to the next turn
        if (!this.settling) setImmediate(this.onTurn);
      }
    });
  }

  /** Runs everything queued. Called on the next turn, after the microtasks of a flush, and by close(). */
  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    while (this.queue.length > 0) this.runGroup(this.queue.splice(0, this.maxGroup));
    if (!this.settling && !this.closed && this.sameTurn.ms > 0) {
      this.settling = true;
      // Queued behind the reactions of the promises just settled; the tick it schedules
      // runs once the microtask queue is empty, cascades included (Node runs ticks and
      // microtasks in turn until both are empty, before the loop goes on).
      queueMicrotask(this.armAfterMicrotasks);
    }
  }

  private readonly onTurn = (): void => {
    this.turnStarted = performance.now();
    this.turnFlushes = 1;
    this.flush();
  };

  private readonly armAfterMicrotasks = (): void => {
    process.nextTick(this.afterMicrotasks);
  };

  private readonly afterMicrotasks = (): void => {
    this.settling = false;
    if (!this.scheduled) return; // the settled promises led to no write
    const { ms, flushes } = this.sameTurn;
    if (this.turnFlushes < flushes && performance.now() - this.turnStarted < ms) {
      this.turnFlushes += 1;
      this.stats.sameTurn += 1;
      this.flush();
    } else {
      setImmediate(this.onTurn);
    }
  };

  close(): void {
    this.flush();
    this.closed = true;
  }

  private runGroup(group: Pending[]): void {
    const { s } = this;
    let outcomes: Outcome[] | undefined;
    const began = performance.now();
    let committing: number;
    try {
      // Fast path: no savepoints. A failure rolls the whole transaction back and the group
      // runs again, each operation in its own savepoint (failures are rare: a sequence
      // mismatch, a limit, a conflict).
      outcomes = this.attempt(group, false);
      if (!outcomes) {
        this.stats.isolated += 1;
        outcomes = this.attempt(group, true)!;
      }
      committing = performance.now();
      s.commit.run();
    } catch (error) {
      // BEGIN or COMMIT failed, or a statement met the machine rather than the data (busy
      // past the timeout, disk full, I/O error: `unavailable`): nothing of the group was
      // written, so every operation in it fails with that error.
      if (this.db.inTransaction) s.rollback.run();
      this.heads.rollback();
      const why = unavailable(error);
      const failure = why
        ? new StoreBusyError(
            `${this.db.name}: ${why}; nothing of ${group.length} write(s) was committed`,
          )
        : error;
      for (const op of group) op.reject(failure);
      return;
    }
    const committed = performance.now();
    this.heads.commit();
    this.stats.headsKept = this.heads.hits;
    this.stats.statementsMs += committing - began;
    this.stats.commitMs += committed - committing;
    this.stats.transactions += 1;
    this.stats.operations += group.length;
    this.stats.largestGroup = Math.max(this.stats.largestGroup, group.length);
    for (let i = 0; i < group.length; i++) {
      const outcome = outcomes![i]!;
      if (outcome.ok) group[i]!.resolve(outcome.value);
      else group[i]!.reject(outcome.value);
    }
  }

  /**
   * Runs the group inside BEGIN IMMEDIATE (left open for the caller to commit). With
   * `isolate`, each operation runs in a savepoint and a failing one is rolled back alone.
   * Without, the first failure rolls everything back and returns undefined (run again
   * isolated): the operations are plain functions of the database, so a second run
   * computes what the first would have.
   */
  private attempt(group: Pending[], isolate: boolean): Outcome[] | undefined {
    const { s } = this;
    const outcomes: Outcome[] = new Array<Outcome>(group.length);
    s.begin.run();
    // the write lock is held: no other connection commits until COMMIT (heads.ts)
    this.heads.begin(this.dataVersion.get() as number);
    for (let i = 0; i < group.length; i++) {
      const op = group[i]!;
      if (!isolate) {
        try {
          outcomes[i] = { ok: true, value: op.run() };
        } catch {
          // (an I/O error may have rolled the transaction back already)
          if (this.db.inTransaction) s.rollback.run();
          this.heads.rollback();
          return undefined;
        }
        continue;
      }
      s.savepoint.run();
      try {
        const value = op.run();
        s.release.run();
        outcomes[i] = { ok: true, value };
      } catch (error) {
        // the machine, not this operation: the whole group fails, retryable (runGroup)
        if (unavailable(error)) throw error;
        s.rollbackTo.run();
        s.release.run();
        this.heads.rollback();
        outcomes[i] = { ok: false, value: error };
      }
    }
    return outcomes;
  }
}
