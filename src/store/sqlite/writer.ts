// The single writer with group commit (DESIGN.md "Storage").
//
// Every write operation (commit, createExecution, claimWork, ...) is queued here. The
// first operation of a tick schedules a flush with setImmediate; the flush runs every
// queued operation inside ONE `BEGIN IMMEDIATE ... COMMIT`, each in its own savepoint,
// and only then settles their promises. So N concurrent executions' steps cost one
// fsync instead of N, a failing operation (sequence mismatch, limit) is rolled back
// alone, and a promise never resolves before its data is durable.
//
// Measured on the shared 2-core dev VM, synchronous=FULL (bench/store/commit.ts,
// docs/storage.md): one commit per transaction 200-320 µs (3-5K commits/s, the fsync);
// 100 concurrent commits grouped into one transaction 24-47 µs per step (21-42K
// steps/s). Without grouping the engine could not reach 10K durable steps/s.

import type Database from 'better-sqlite3';
import { StoreBusyError, StoreClosedError } from '../errors.js';
import type { Statements } from './statements.js';

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
}

export class Writer {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  readonly stats: WriterStats = { transactions: 0, operations: 0, largestGroup: 0 };

  constructor(
    private readonly db: Database.Database,
    private readonly s: Statements,
    /** Cap on one transaction's operations, so one fsync never waits on a huge group. */
    private readonly maxGroup = 1000,
  ) {}

  submit<T>(run: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreClosedError('the store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Runs everything queued. Called on the next tick, and by close(). */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) this.runGroup(this.queue.splice(0, this.maxGroup));
  }

  close(): void {
    this.flush();
    this.closed = true;
  }

  private runGroup(group: Pending[]): void {
    const { s } = this;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      s.begin.run();
      for (const op of group) {
        s.savepoint.run();
        try {
          const value = op.run();
          s.release.run();
          outcomes.push({ ok: true, value });
        } catch (error) {
          s.rollbackTo.run();
          s.release.run();
          outcomes.push({ ok: false, value: error });
        }
      }
      s.commit.run();
    } catch (error) {
      // BEGIN or COMMIT failed (busy past the timeout, disk full, I/O error): nothing of
      // the group was written, so every operation in it fails with that error.
      if (this.db.inTransaction) s.rollback.run();
      const failure =
        (error as { code?: unknown }).code === 'SQLITE_BUSY'
          ? new StoreBusyError(
              `${this.db.name}: another connection held the write lock past the busy timeout; ` +
                `nothing of ${group.length} write(s) was committed`,
            )
          : error;
      for (const op of group) op.reject(failure);
      return;
    }
    this.stats.transactions += 1;
    this.stats.operations += group.length;
    this.stats.largestGroup = Math.max(this.stats.largestGroup, group.length);
    group.forEach((op, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) op.resolve(outcome.value);
      else op.reject(outcome?.value);
    });
  }
}
