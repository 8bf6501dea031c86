// What a write needs to know of an execution before it appends (apply.ts applyWrite): its
// integer key, state, priority, recovery attempts, last seq and history bytes. Read from
// the database (selectWriteHead: the executions row by id and the history's last row,
// four B-tree descents), or kept here from this connection's own last write to it.
//
// Decision: a cache checked by PRAGMA data_version, not a read per write. The head read
// was 3-6 µs of a 55-65 µs chain40 step at synchronous=NORMAL, the largest statement a
// step runs after BEGIN and COMMIT; with the cache the step took 0.955-0.965x the time
// (chains on two stores interleaved, session 13, docs/benchmarks.md). A group of 1,000
// writes read 1,000 heads. What keeps the cache true:
// - Another connection's commit (a `weft executions cancel` in another process) moves
//   data_version. The writer reads it right after BEGIN IMMEDIATE, when this connection
//   holds the write lock and sees the newest snapshot, so nobody else commits until its
//   COMMIT; a new version empties the cache (`begin`).
// - This connection's writes reach the cache only when their transaction commits: what
//   an operation changes is staged (`stage`, `forget`) and kept at `commit`. Any rollback
//   (a failing operation's savepoint, the whole group) drops the staged heads and the
//   cache with them (`rollback`): failures are rare, and a cache miss costs one read.
// - Every statement that changes a column of the head outside applyWrite and applyCreate
//   (recovery attempts, pruning) calls `forget` for its execution.
// A head is never changed in place: a new object replaces it. A stale head could only
// wrongly accept a write through its state (a cancel by another connection writes no
// event, so the seq check does not see it); a stale seq or byte count makes the write
// fail, the group roll back and run again with heads read from the database.

import type { ExecutionState } from '../types.js';

export interface Head {
  xid: number;
  state: ExecutionState;
  priority: number;
  recovery_attempts: number;
  last_seq: number;
  total: number;
}

/** Heads kept at most; past it the oldest go (a worker serves far fewer at once). */
const defaultCapacity = 10_000;

export class WriteHeads {
  private readonly committed = new Map<string, Head>();
  /** This transaction's changes; undefined: read the database. */
  private readonly staged = new Map<string, Head | undefined>();
  private version: number | undefined;
  hits = 0;

  constructor(private readonly capacity = defaultCapacity) {}

  /** A transaction began (write lock held); `dataVersion` is PRAGMA data_version now. */
  begin(dataVersion: number): void {
    this.staged.clear();
    if (dataVersion !== this.version) {
      this.committed.clear();
      this.version = dataVersion;
    }
  }

  /** The head as of this transaction so far, or undefined: read it from the database. */
  get(id: string): Head | undefined {
    const head = this.staged.has(id) ? this.staged.get(id) : this.committed.get(id);
    if (head) this.hits += 1;
    return head;
  }

  stage(id: string, head: Head): void {
    this.staged.set(id, head);
  }

  /** The execution's head changed in a way not staged here: read it next time. */
  forget(id: string): void {
    this.staged.set(id, undefined);
  }

  /** The transaction committed: its staged heads are the database's now. */
  commit(): void {
    for (const [id, head] of this.staged) {
      this.committed.delete(id); // re-inserted last: the oldest are evicted first
      if (head) this.committed.set(id, head);
    }
    this.staged.clear();
    for (const id of this.committed.keys()) {
      if (this.committed.size <= this.capacity) break;
      this.committed.delete(id);
    }
  }

  /** Something was rolled back: trust nothing kept. */
  rollback(): void {
    this.staged.clear();
    this.committed.clear();
  }
}
