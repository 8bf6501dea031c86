// Group commit on PostgreSQL, like the SQLite writer: commits queue up while the store's
// one commit transaction is in flight, and the next transaction takes the queue from the
// front, in order, up to the first commit that names an execution already in it (that one
// starts the next transaction, so commits apply in the order they were made). Each
// commit is checked on its own (writes.ts planWrites: a commit that fails its checks
// fails alone) and the others are written together, one statement per table: N
// concurrent steps cost one WAL flush and about six round trips instead of N of each.
//
// A commit that starts executions creates them inside a SAVEPOINT, with its own checks,
// so a child that cannot be created rolls back that commit only. Plain starts
// (createExecution without idempotency key or parent) need no savepoint: those of a
// transaction are inserted together, one statement per table (apply.ts applyStarts). If a shared transaction
// fails for another reason than a lost connection, its commits are tried again one by
// one, so one bad commit never fails its neighbours.
//
// One commit transaction at a time per store: other processes are the parallelism, and
// reads and claims use the rest of the pool.
//
// Measured on the shared 2-core dev VM (bench/store/postgres.ts, docs/operations.md).

import type pg from 'pg';
import { StoreBusyError } from '../errors.js';
import type { StoreLimits } from '../limits.js';
import type { PreparedBatch } from '../prepare.js';
import type { CommitResult, CreatedExecution, HistoryChange } from '../types.js';
import { applyCreate, applyStarts, isPlainStart, send, type ApplyContext } from './apply.js';
import {
  isConnectionLoss,
  isResourceShortage,
  transaction,
  type Defer,
  type Retry,
} from './connection.js';
import { historyPayloads } from './history-feed.js';
import * as cache from './sql/cache.js';
import * as work from './sql/work.js';
import { appendOneStep, singleStep } from './step.js';
import { emptyPlan, executePlans, lockWrites, planWrites, type WritePlan } from './writes.js';

/** A commit that only starts one execution, without idempotency key or parent. */
function isStartOnly(batch: PreparedBatch): boolean {
  return (
    batch.creates.length === 1 &&
    batch.writes.length === 0 &&
    batch.cache.length === 0 &&
    isPlainStart(batch.creates[0]!)
  );
}

function earliestOf(work: readonly { dueAt: number }[]): number | undefined {
  let earliest: number | undefined;
  for (const w of work) earliest = Math.min(earliest ?? w.dueAt, w.dueAt);
  return earliest;
}

interface Pending {
  batch: PreparedBatch;
  resolve: (result: CommitResult) => void;
  reject: (error: unknown) => void;
}

type Outcome =
  | { ok: true; plan: WritePlan; created: CreatedExecution[]; earliest: number | undefined }
  | { ok: false; error: unknown };

export interface CommitterStats {
  /** PostgreSQL transactions that carried commits. */
  transactions: number;
  /** Commits carried by them, failed ones included. */
  commits: number;
  /** The most commits one transaction carried. */
  largestGroup: number;
  /** Commits carried by the one-statement step (step.ts), counted in the above too. */
  steps: number;
}

export interface CommitterOptions {
  pool: pg.Pool;
  retry: Retry;
  limits: StoreLimits;
  agingMs: number;
  /** NOTIFY inside the transaction when work due at `dueAt` was added. */
  notify: (client: pg.ClientBase, dueAt: number | undefined) => Promise<void>;
  /** The channel that hears of appended history (history-feed.ts). */
  historyChannel: string;
  /** Most commits one transaction carries (default 500). */
  maxGroup?: number;
}

export class Committer {
  private queue: Pending[] = [];
  private scheduled = false;
  private running = false;
  readonly stats: CommitterStats = { transactions: 0, commits: 0, largestGroup: 0, steps: 0 };

  constructor(private readonly options: CommitterOptions) {}

  submit(batch: PreparedBatch): Promise<CommitResult> {
    return new Promise<CommitResult>((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      if (!this.running && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    this.scheduled = false;
    this.running = true;
    try {
      while (this.queue.length > 0) await this.run(this.takeGroup());
    } finally {
      this.running = false;
    }
  }

  /** The longest prefix of the queue in which no execution appears twice. */
  private takeGroup(): Pending[] {
    const max = this.options.maxGroup ?? 500;
    const ids = new Set<string>();
    let n = 0;
    for (const pending of this.queue) {
      const { creates, writes } = pending.batch;
      const mine = [
        ...creates.map((c) => c.execution.id),
        ...writes.map((w) => w.write.executionId),
      ];
      if (n > 0 && (n >= max || mine.some((id) => ids.has(id)))) break;
      for (const id of mine) ids.add(id);
      n += 1;
    }
    return this.queue.splice(0, n);
  }

  private async run(group: Pending[]): Promise<void> {
    if (group.length === 1 && (await this.runStep(group[0]!))) return;
    let outcomes: Outcome[];
    try {
      outcomes = await transaction(this.options.pool, this.options.retry, (client, defer) =>
        this.apply(client, defer, group),
      );
    } catch (error) {
      if (group.length > 1 && !(error instanceof StoreBusyError)) {
        for (const pending of group) await this.run([pending]);
      } else {
        for (const pending of group) pending.reject(error);
      }
      return;
    }
    this.stats.transactions += 1;
    this.stats.commits += group.length;
    this.stats.largestGroup = Math.max(this.stats.largestGroup, group.length);
    group.forEach((pending, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) {
        pending.resolve({ nextSeqs: outcome.plan.nextSeqs, created: outcome.created });
      } else pending.reject(outcome.error);
    });
  }

  /**
   * A commit alone in its group that the one-statement step carries (step.ts): true when
   * it settled, false when it must take the general path (a check failed).
   */
  private async runStep(pending: Pending): Promise<boolean> {
    const write = singleStep(pending.batch);
    if (!write) return false;
    let nextSeq: number | undefined;
    try {
      nextSeq = await appendOneStep(
        this.options.pool,
        this.options.limits,
        write,
        pending.batch.now,
        this.options.historyChannel,
      );
    } catch (error) {
      pending.reject(error);
      return true;
    }
    if (nextSeq === undefined) return false;
    this.stats.transactions += 1;
    this.stats.commits += 1;
    this.stats.steps += 1;
    this.stats.largestGroup = Math.max(this.stats.largestGroup, 1);
    pending.resolve({ nextSeqs: [nextSeq], created: [] });
    return true;
  }

  /** One commit that starts executions, inside a savepoint: all of it or none. */
  private async applyCreating(ctx: ApplyContext, batch: PreparedBatch): Promise<Outcome> {
    const { client, limits } = ctx;
    await client.query('SAVEPOINT creating');
    try {
      const created: CreatedExecution[] = [];
      for (const c of batch.creates) created.push(await applyCreate(ctx, c));
      const locked = await lockWrites(client, batch.writes);
      const plan = planWrites(limits, locked, batch.writes, batch.now);
      await client.query('RELEASE SAVEPOINT creating');
      let earliest: number | undefined;
      batch.creates.forEach((c, i) => {
        if (!created[i]?.created) return;
        for (const w of c.work) earliest = Math.min(earliest ?? w.dueAt, w.dueAt);
      });
      return { ok: true, plan, created, earliest };
    } catch (error) {
      // the whole transaction, not this commit: transaction() tries it again
      if (isConnectionLoss(error) || isResourceShortage(error)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT creating');
      return { ok: false, error };
    }
  }

  private async apply(
    client: pg.ClientBase,
    defer: Defer | undefined,
    group: Pending[],
  ): Promise<Outcome[]> {
    const { limits, agingMs } = this.options;
    // Creating commits run in savepoints and must see their own failures there: no defer.
    const ctx: ApplyContext = { client, limits, agingMs };
    const writing: ApplyContext = { ...ctx, defer };
    const outcomes: (Outcome | undefined)[] = [];
    // createExecution's commits (one plain start each) go in together: applyStarts
    const starts = group.flatMap((p, i) => (isStartOnly(p.batch) ? [i] : []));
    const started = await applyStarts(
      writing,
      starts.map((i) => group[i]!.batch.creates[0]!),
    );
    starts.forEach((g, k) => {
      const o = started[k]!;
      const earliest = o.ok ? earliestOf(group[g]!.batch.creates[0]!.work) : undefined;
      outcomes[g] = o.ok ? { ok: true, plan: emptyPlan(), created: [o.created], earliest } : o;
    });
    for (const [i, p] of group.entries()) {
      if (p.batch.creates.length > 0 && !outcomes[i]) {
        outcomes[i] = await this.applyCreating(ctx, p.batch);
      }
    }
    const plain = group.filter((p) => p.batch.creates.length === 0);
    const locked = await lockWrites(
      client,
      plain.flatMap((p) => p.batch.writes),
    );
    group.forEach((p, i) => {
      if (outcomes[i]) return;
      try {
        const plan = planWrites(limits, locked, p.batch.writes, p.batch.now);
        outcomes[i] = { ok: true, plan, created: [], earliest: undefined };
      } catch (error) {
        outcomes[i] = { ok: false, error };
      }
    });
    const done = outcomes as Outcome[];
    const kept = done.flatMap((o) => (o.ok ? [o] : []));
    let earliest = await executePlans(
      writing,
      kept.map((o) => o.plan),
    );
    for (const o of kept) {
      if (o.earliest !== undefined) earliest = Math.min(earliest ?? o.earliest, o.earliest);
    }
    // Cache entries of the commits kept, in order: for the same key, the later one wins.
    const entries = new Map<
      string,
      { key: string; result: string; expiresAt: number; now: number }
    >();
    group.forEach((p, i) => {
      if (!done[i]!.ok) return;
      for (const c of p.batch.cache) entries.set(c.key, { ...c, now: p.batch.now });
    });
    if (entries.size > 0) {
      const list = [...entries.values()];
      await send(
        writing,
        client.query(cache.upsertCache, [
          list.map((c) => c.key),
          list.map((c) => c.result),
          list.map((c) => c.expiresAt),
          list.map((c) => c.now),
        ]),
      );
    }
    await this.options.notify(client, earliest);
    // what this transaction appends, for live views (history-feed.ts); goes out with COMMIT
    const changes: HistoryChange[] = [];
    group.forEach((p, i) => {
      const o = done[i]!;
      if (!o.ok) return;
      p.batch.creates.forEach((c, k) => {
        if (o.created[k]?.created)
          changes.push({ executionId: c.execution.id, firstSeq: 1, lastSeq: 1 });
      });
      for (const w of p.batch.writes) {
        if (w.events.length === 0) continue;
        const first = w.write.expectedNextSeq;
        changes.push({
          executionId: w.write.executionId,
          firstSeq: first,
          lastSeq: first + w.events.length - 1,
        });
      }
    });
    for (const payload of historyPayloads(changes))
      await send(writing, client.query(work.notify, [this.options.historyChannel, payload]));
    return done;
  }
}
