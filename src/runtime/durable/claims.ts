// Claims: which executions this process drives (docs/operations.md "Claiming work").
//
// Every unfinished execution has one work item with key `run`. The worker that holds its
// claim drives the execution and nobody else does: every commit of the execution carries
// `lease: { worker, keys: ['run'] }` (and the claim's fencing token where the store has
// them), so a worker whose claim lapsed (SIGSTOP, GC pause, lost network) has its late
// writes refused with LeaseLostError and drops the execution. A keeper renews the claims
// held here every leaseMs / 3, from a thread on PostgreSQL (a blocked event loop does not
// stop it). A worker that dies stops renewing; its claims lapse after leaseMs and any
// worker claims them again and resumes the executions from their histories.
//
// A worker that starts an execution (or a child) adds its `run` item already claimed:
// no claim round trip before the first step. A worker serving the store (serve())
// claims due `run` items, priority first, when woken by the store (LISTEN/NOTIFY on
// PostgreSQL) or every pollMs.
//
// Exclusive stores (SQLite: one process per file) need no ownership: the process drives
// every execution it attaches, commits carry no lease (the sequence check still stops a
// second writer), claims last "forever" and a starting worker voids those of processes
// that are gone (Store.resetClaims; a `weft run` beside it keeps its own, and the worker
// takes them over when it dies: releaseOrphanedClaims, work-loop.ts). Claims there only
// pick what to start, by priority (and limits).
// A process beside the one serving the file (the CLI) sets `claimedOnly`: it drives
// nothing and sends requests through the store instead (remote.ts), which the serving
// process finds at its next claim round: the request marks the run item it puts back.
//
// Claiming an item of an execution this process already drives means someone took the
// claim from us in between (a remote cancel or suspend re-adds the item unclaimed): the
// runner here is stale, so it is dropped and the execution attached again from history.
// Except when our own lease lapsed and the claim took it back from us with no holder in
// between (the store reports the prior holder): the runner is current and goes on.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { NewWorkItem, Store, WorkItem } from '../../store/types.js';
import type { Clock } from '../clock.js';

export const runKey = 'run';

/** Most of a lease's end that lapsed() keeps in hand (a tenth of the lease below 20 s). */
const lapseMarginMs = 2000;

export interface WorkerOptions {
  /** This process's worker name; unique per process (default host:pid:random). */
  name?: string;
  /** How long a claim lasts without renewal (default 30,000 ms). Takeover bound. */
  leaseMs?: number;
  /** Most executions this process drives at once (default 10,000). */
  capacity?: number;
  /** How often serve() looks for work when nothing woke it (default 1,000 ms). */
  pollMs?: number;
  /** Most items one claim takes (default 200). */
  batch?: number;
  /**
   * Whether start() drives the new execution in this process (default true). False: its
   * run item is added unclaimed and the workers serving the store claim it (a server that
   * only accepts requests, or a client spreading work over workers).
   */
  runStarts?: boolean;
  /**
   * While serving: an execution that only waits for a timer at least this far away leaves
   * memory until shortly before it is due (default 5,000 ms; 0 never unloads). 100,000
   * executions waiting in memory took ~10 KB each (1 GB); unloaded, a row each.
   */
  unloadAfterMs?: number;
  /** How long before it is due an unloaded execution is claimed again (default 1,000 ms). */
  reloadAheadMs?: number;
  /**
   * Drive only the executions this process claimed, as every process does on PostgreSQL
   * (default false). On an exclusive store (SQLite) a process drives every execution it
   * attaches; set this when another process serves the file (`weft worker`): this one then
   * writes requests (cancel, suspend, resume) through the store for that process to carry
   * out, and reads outcomes, instead of driving executions beside it (the CLI does).
   */
  claimedOnly?: boolean;
}

export interface ResolvedWorkerOptions {
  name: string;
  leaseMs: number;
  capacity: number;
  pollMs: number;
  batch: number;
  runStarts: boolean;
  unloadAfterMs: number;
  reloadAheadMs: number;
  claimedOnly: boolean;
}

export function resolveWorkerOptions(options: WorkerOptions = {}): ResolvedWorkerOptions {
  const positive = (name: string, v: number | undefined, fallback: number) => {
    const value = v ?? fallback;
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new RangeError(`worker.${name} must be a positive integer, got ${String(v)}`);
    return value;
  };
  const nonNegative = (name: string, v: number | undefined, fallback: number) => {
    const value = v ?? fallback;
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`worker.${name} must be a non-negative integer, got ${String(v)}`);
    return value;
  };
  const name = options.name ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  if (typeof name !== 'string' || name === '')
    throw new RangeError('worker.name must be a non-empty string');
  const unloadAfterMs = nonNegative('unloadAfterMs', options.unloadAfterMs, 5000);
  const reloadAheadMs = nonNegative('reloadAheadMs', options.reloadAheadMs, 1000);
  if (unloadAfterMs > 0 && unloadAfterMs <= reloadAheadMs)
    throw new RangeError(
      `worker.unloadAfterMs (${unloadAfterMs}) must be 0 or more than worker.reloadAheadMs (${reloadAheadMs})`,
    );
  return {
    name,
    leaseMs: positive('leaseMs', options.leaseMs, 30_000),
    capacity: positive('capacity', options.capacity, 10_000),
    pollMs: positive('pollMs', options.pollMs, 1000),
    batch: positive('batch', options.batch, 200),
    runStarts: options.runStarts ?? true,
    unloadAfterMs,
    reloadAheadMs,
    claimedOnly: options.claimedOnly ?? false,
  };
}

/** Keeps claims alive while held. PostgreSQL's is a thread (LeaseHeartbeat). */
export interface LeaseKeeper {
  hold(items: readonly { executionId: string; key: string }[]): void;
  drop(items: readonly { executionId: string; key: string }[]): void;
  stop(): Promise<void>;
  /** Told after each renewal: the executions whose items were renewed, until when. */
  onRenewed?(fn: (executionIds: readonly string[], until: number) => void): void;
  /** Delivers at once the renewals done but not yet told (a thread's queued reports). */
  flush?(): void;
}

/** The lease a commit of a held execution carries. */
export interface HeldLease {
  worker: string;
  keys: readonly string[];
  fences?: readonly number[];
}

/** Renews from the event loop: for stores without a keeper of their own (SQLite). */
class LoopKeeper implements LeaseKeeper {
  private readonly held = new Map<string, { executionId: string; key: string }>();
  private cancel: (() => void) | undefined;
  private listener: ((executionIds: readonly string[], until: number) => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly options: ResolvedWorkerOptions,
  ) {}

  hold(items: readonly { executionId: string; key: string }[]): void {
    for (const i of items) this.held.set(`${i.executionId}\u0000${i.key}`, i);
    this.arm();
  }

  drop(items: readonly { executionId: string; key: string }[]): void {
    for (const i of items) this.held.delete(`${i.executionId}\u0000${i.key}`);
  }

  private arm(): void {
    if (this.cancel || this.held.size === 0) return;
    const every = Math.max(1, Math.floor(this.options.leaseMs / 3));
    this.cancel = this.clock.schedule(every, () => {
      this.cancel = undefined;
      const items = [...this.held.values()];
      const until = this.clock.now() + this.options.leaseMs;
      this.store
        .renewLease(this.options.name, items, until)
        .then((renewed) => {
          // the store says how many, not which: vouch only when it renewed them all
          if (renewed === items.length)
            this.listener?.(
              items.map((i) => i.executionId),
              until,
            );
        })
        .catch(() => undefined)
        .finally(() => this.arm());
    });
  }

  onRenewed(fn: (executionIds: readonly string[], until: number) => void): void {
    this.listener = fn;
  }

  stop(): Promise<void> {
    this.cancel?.();
    this.cancel = undefined;
    this.held.clear();
    return Promise.resolve();
  }
}

/** A store that can keep leases from a thread (PostgreSQL) offers this. */
interface KeeperFactory {
  leaseKeeper(worker: string, leaseMs: number): LeaseKeeper;
}

/** Stores with fencing tokens (PostgreSQL) claim through this. */
interface FencedClaims {
  claimFenced(
    request: Parameters<Store['claimWork']>[0],
  ): Promise<(WorkItem & { fence: number; priorHolder?: string })[]>;
}

export class Claims {
  readonly options: ResolvedWorkerOptions;
  private readonly held = new Map<string, HeldLease>();
  /** Executions this process started that wait for a claim (limits) before they run. */
  private readonly awaiting = new Set<string>();
  /** Run items given back after a write the store could not take (giveBack): their next
   *  claim here is no recovery from a crash, and does not count towards dead-letter. */
  private readonly givenBack = new Set<string>();
  /** Run items whose lapsed lease this process claimed back from itself, nobody having
   *  held them in between (takeReclaimed). */
  private readonly reclaimed = new Set<string>();
  /**
   * Until when each held execution's lease is known to last: its claim's, then each
   * renewal's end (non-exclusive stores; lapsed()). Not the lease a store holds now, which
   * only the store knows: what this process can vouch for.
   */
  private readonly vouched = new Map<string, number>();
  private keeper: LeaseKeeper | undefined;
  private closed = false;
  /** The claim round in flight, and the first attempts of hand-backs in flight: each
   *  waits for the other (giveBack). */
  private claiming: Promise<unknown> | undefined;
  private readonly releasing = new Set<Promise<unknown>>();
  readonly exclusive: boolean;
  /** Exclusive store, and not claimedOnly: this process drives every execution it
   *  attaches, and nobody else takes its claims. */
  readonly drivesAll: boolean;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    options?: WorkerOptions,
  ) {
    this.options = resolveWorkerOptions(options);
    this.exclusive = store.exclusive === true;
    this.drivesAll = this.exclusive && !this.options.claimedOnly;
  }

  /**
   * Whether start() drives the new execution here (worker.runStarts). Not when claimedOnly
   * on an exclusive store: a claim there lasts while the process serving the file lives,
   * so an execution started by a short-lived process (the CLI) would wait for the server's
   * next start; that process claims it at once instead.
   */
  get runsStarts(): boolean {
    return this.options.runStarts && (this.drivesAll || !this.exclusive);
  }

  /** Exclusive stores: a claim never lapses while the process lives (~100 years). */
  private get leaseMs(): number {
    return this.exclusive ? 3_155_760_000_000 : this.options.leaseMs;
  }

  /** `id` may run only once claimed (it waits for admission under limits). */
  await(id: string): void {
    this.awaiting.add(id);
  }

  now(): number {
    return this.clock.now();
  }

  get size(): number {
    return this.held.size;
  }

  /** Whether this process may drive `id` (drivesAll: anything not awaiting a claim). */
  holds(id: string): boolean {
    return this.drivesAll ? !this.awaiting.has(id) : this.held.has(id);
  }

  /**
   * Whether this process may drive the execution `record` (just read from the store):
   * holds() and, on an exclusive store, not one that no claim has admitted yet. After a
   * restart `awaiting` is empty, so without the record's word a process attaching such
   * an execution (a parent's recovery, handle(), the CLI) ran it past its limits.
   */
  mayDrive(record: { id: string; awaitingAdmission?: true }): boolean {
    if (this.held.has(record.id)) return true;
    return this.holds(record.id) && record.awaitingAdmission !== true;
  }

  /** The fencing token of this process's claim of `id`, where the store has them. */
  fenceOf(id: string): number | undefined {
    return this.held.get(id)?.fences?.[0];
  }

  /** The lease the commits of `id` carry (none on exclusive stores). */
  lease(id: string): HeldLease | undefined {
    return this.exclusive ? undefined : this.held.get(id);
  }

  /** The run item of a new execution: claimed by this worker, or left to any worker. */
  runItem(claimed: boolean): NewWorkItem {
    const now = this.clock.now();
    return {
      key: runKey,
      kind: 'ready',
      dueAt: now,
      ...(claimed ? { claim: { worker: this.options.name, leaseUntil: now + this.leaseMs } } : {}),
    };
  }

  /**
   * Records that this process holds `id`'s run item (after adding it claimed), with a
   * lease that ends at `until` (default: a lease from now).
   */
  hold(id: string, fence?: number, until?: number): void {
    const lease: HeldLease = {
      worker: this.options.name,
      keys: [runKey],
      ...(fence !== undefined && fence > 0 ? { fences: [fence] } : {}),
    };
    this.held.set(id, lease);
    this.awaiting.delete(id);
    if (this.exclusive) return;
    this.vouched.set(id, until ?? this.clock.now() + this.leaseMs);
    this.keeperFor().hold([{ executionId: id, key: runKey }]);
  }

  /**
   * Whether this process can no longer vouch for its claim of `id`: the end of its claim
   * or last renewal, less a margin for clocks and the call's own start, has passed. The
   * engine then renews the lease before it launches a call of the execution (confirm),
   * and where that fails hands the execution back (engine.ts), since a call launched now
   * could reach its service after another worker, having claimed the execution
   * meanwhile, ran the same effect and recorded its result. That is what a
   * worker starved of CPU past its lease did in a chaos run (docs/guarantees.md). The
   * fencing token still refuses such a worker's writes; this keeps its calls from going
   * out. Always false on an exclusive store (nobody else takes its claims) and for an
   * execution this process does not hold.
   */
  lapsed(id: string): boolean {
    if (this.exclusive) return false;
    const until = this.vouched.get(id);
    if (until === undefined) return false;
    const margin = Math.min(lapseMarginMs, Math.floor(this.leaseMs / 10));
    if (this.clock.now() < until - margin) return false;
    this.keeper?.flush?.(); // a renewal the event loop has not read yet
    return this.clock.now() >= (this.vouched.get(id) ?? 0) - margin;
  }

  /**
   * Asked when lapsed(id): renews `id`'s lease in the store now, if this worker still
   * holds it. True when it did (the lease lasts a lease from now, and is vouched for
   * again); false when another worker holds it, nobody does, or the store cannot say. A
   * renewal late only because this process was slow (a starved CPU, renewals queued) so
   * costs one round trip instead of a rebuild of the execution.
   */
  async confirm(id: string): Promise<boolean> {
    const until = this.clock.now() + this.leaseMs;
    try {
      const renewed = await this.store.renewLease(
        this.options.name,
        [{ executionId: id, key: runKey }],
        until,
      );
      if (renewed !== 1 || !this.held.has(id)) return false;
      this.vouched.set(id, Math.max(until, this.vouched.get(id) ?? 0));
      return true;
    } catch {
      return false;
    }
  }

  /** Whether this process's last claim of `id` took back its own lapsed lease with no
   *  other holder in between (and forgets that it did). */
  takeReclaimed(id: string): boolean {
    return this.reclaimed.delete(id);
  }

  /** Whether `id`'s run item was given back by giveBack() (and forgets that it was). */
  takeGivenBack(id: string): boolean {
    return this.givenBack.delete(id);
  }

  /** Forgets `id` (it finished, or another worker owns it now). */
  forget(id: string): void {
    this.awaiting.delete(id);
    this.vouched.delete(id);
    if (!this.held.delete(id)) return;
    this.keeper?.drop([{ executionId: id, key: runKey }]);
  }

  /** Claims due run items (at most `limit`) and holds them. */
  async claim(limit: number): Promise<WorkItem[]> {
    // a hand-back in flight first: it may release only the claim it means (giveBack)
    if (this.releasing.size > 0) await Promise.allSettled([...this.releasing]);
    const round = this.claimRound(limit);
    this.claiming = round;
    try {
      return await round;
    } finally {
      if (this.claiming === round) this.claiming = undefined;
    }
  }

  private async claimRound(limit: number): Promise<WorkItem[]> {
    const request = {
      worker: this.options.name,
      now: this.clock.now(),
      leaseMs: this.leaseMs,
      limit,
      kinds: ['ready'] as const,
    };
    const fenced = (this.store as Partial<FencedClaims>).claimFenced;
    const items: (WorkItem & { fence?: number; priorHolder?: string })[] = fenced
      ? await fenced.call(this.store, request)
      : await this.store.claimWork(request);
    // run items are the only ready work the engine writes (timers are kind 'timer')
    for (const item of items) {
      // Our own lease lapsed (renewals late: a starved CPU) and we took it back before
      // anyone else: every write since our last claim was ours. Another holder in between
      // would be the item's prior holder; a release or unload leaves it without one.
      if (item.priorHolder === this.options.name && this.held.has(item.executionId)) {
        if (this.reclaimed.size >= 10_000) this.reclaimed.clear(); // a hint: bounded
        this.reclaimed.add(item.executionId);
      }
      this.held.delete(item.executionId); // a re-claim replaces a stale lease
      this.hold(item.executionId, item.fence, request.now + this.leaseMs);
    }
    return items;
  }

  /**
   * Hands `id`'s run item back at once after a commit whose outcome is unknown dropped it
   * (StoreBusyError: a database restart, a lost connection, SQLITE_BUSY). Kept, the claim
   * would stall the execution for a lease (and on an exclusive store, whose claims never
   * lapse, until the next start); released, the next claim round of any worker, this one
   * too, resumes it from its history. The store may still be unreachable: tried again
   * with backoff for up to `worker.leaseMs`, after which the lease has lapsed anyway.
   *
   * Only the claim given up goes back, never one this process took again since: a claim
   * round here may take the item again (once another worker's lease on it lapsed, or
   * this one's), and releasing that claim made a third relaunch the calls the second had
   * just launched (a lapse test under CPU load, session 12). So a hand-back waits for the
   * claim round in flight and gives nothing back if that round took the item; a claim
   * round waits for the first attempt of each hand-back in flight; and `fence` (fenceOf,
   * read before the execution was dropped), where known, names the claim in the store.
   */
  async giveBack(id: string, fence?: number): Promise<void> {
    const first = this.giveBackOnce(id, fence);
    this.releasing.add(first);
    let done: boolean;
    try {
      done = await first;
    } finally {
      this.releasing.delete(first);
    }
    if (!done) await this.giveBackLater(id, fence);
  }

  /** True when nothing is left to do: released, or claimed here again meanwhile. */
  private async giveBackOnce(id: string, fence: number | undefined): Promise<boolean> {
    if (this.claiming) await this.claiming.catch(() => undefined);
    if (this.held.has(id)) return true;
    try {
      await this.release(id, fence);
      return true;
    } catch {
      return false;
    }
  }

  private async release(id: string, fence: number | undefined): Promise<void> {
    const item = { executionId: id, key: runKey, ...(fence !== undefined ? { fence } : {}) };
    await this.store.releaseWork(this.options.name, [item]);
    if (this.givenBack.size >= 10_000) this.givenBack.clear(); // a hint: bounded
    this.givenBack.add(id);
  }

  /** The store could not be reached: tried again with backoff, for up to a lease. */
  private async giveBackLater(id: string, fence: number | undefined): Promise<void> {
    const until = this.clock.now() + this.options.leaseMs;
    for (let wait = 100; !this.closed; wait = Math.min(wait * 2, 2000)) {
      if (this.clock.now() + wait > until) return; // the lease has lapsed by then anyway
      await new Promise((r) => setTimeout(r, wait).unref());
      if (await this.giveBackOnce(id, fence)) return;
    }
  }

  /** Gives every held claim back (the process stops): other workers take over at once. */
  async releaseAll(): Promise<void> {
    this.closed = true;
    const items = [...this.held.keys()].map((executionId) => ({ executionId, key: runKey }));
    this.held.clear();
    await this.keeper?.stop();
    this.keeper = undefined;
    for (let i = 0; i < items.length; i += 500)
      await this.store.releaseWork(this.options.name, items.slice(i, i + 500)).catch(() => 0);
  }

  private keeperFor(): LeaseKeeper {
    if (this.keeper) return this.keeper;
    const factory = (this.store as Partial<KeeperFactory>).leaseKeeper;
    this.keeper = factory
      ? factory.call(this.store, this.options.name, this.options.leaseMs)
      : new LoopKeeper(this.store, this.clock, this.options);
    this.keeper.onRenewed?.((ids, until) => {
      for (const id of ids) {
        const known = this.vouched.get(id);
        if (known !== undefined && until > known) this.vouched.set(id, until);
      }
    });
    return this.keeper;
  }
}
