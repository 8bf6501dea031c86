// The worker's loop: claim run items, attach their executions (claims.ts says what a
// claim means). recover() claims until nothing claimable is left; serve() keeps doing it
// when the store says work was added or released (onWork: LISTEN/NOTIFY on PostgreSQL,
// PRAGMA data_version on SQLite) and every pollMs, which also picks up executions whose
// holder died (their claims lapse after leaseMs: the takeover bound). On SQLite, whose
// claims do not lapse, reconcile() does that every 10 polls by probing the holders.
import type { Store, WorkItem } from '../../store/types.js';
import type { Attacher } from './attach.js';
import type { Claims } from './claims.js';
import type { RemoteRequest } from './remote.js';

export interface Recovered {
  resumed: string[];
  parked: string[];
}

/** Node's longest setTimeout delay. */
const maxTimeoutMs = 2 ** 31 - 1;
/** How often a serving worker deletes stale cache entries (docs/extensions.md "cache")
 *  and, with a retention, executions that ended before it (docs/operations.md). */
const housekeepingEveryMs = 60_000;
/** Executions deleted per transaction: small enough not to hold up the steps behind it. */
const pruneBatch = 500;
/** A serving loop on an exclusive store looks at what other processes did to the store
 *  (reconcile) every this many polls: 10 s by default. */
const reconcileEveryPolls = 10;

export class WorkLoop {
  private running = false;
  private lastHousekeeping = 0;
  private lastReconcile = 0;
  private housekeeping = false;
  private stopped = false;
  /** Between serve() and stop(): only then does this process look for work by itself. */
  private serving = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private reset: Promise<void> | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeTimerAt: number | undefined;
  /** Due times of run items not yet claimed (store.nextDueAt also counts timer items,
   *  which are overdue while their runner fires them, so it cannot time the next round). */
  private readonly due = new MinHeap();

  constructor(
    private readonly store: Store,
    private readonly claims: Claims,
    private readonly attacher: Attacher,
    /** Delete executions this long after they ended (undefined: keep them). */
    private readonly retentionMs?: number,
  ) {}

  /** Claims and attaches every claimable execution now. */
  async recover(): Promise<Recovered> {
    await this.voidOldClaims();
    await this.reconcile();
    const result: Recovered = { resumed: [], parked: [] };
    for (;;) {
      const room = this.claims.options.capacity - this.claims.size;
      if (room <= 0) break;
      const limit = Math.min(this.claims.options.batch, room);
      const items = await this.claims.claim(limit);
      // A batch at a time, concurrently: the noteRecoveryAttempt commits of a batch share
      // one group commit. One at a time, 10,000 executions took 38.8 s (one fsync each).
      await Promise.all(items.map((item) => this.attach(item, result)));
      if (items.length < limit) break;
    }
    return result;
  }

  /** recover(), then keeps claiming until stop(); idle executions unload meanwhile. */
  async serve(): Promise<Recovered> {
    this.stopped = false;
    this.serving = true;
    // before recovering: an execution recovered while it waits for a far timer unloads
    // at once (it takes no step that would unload it later). Enabled after, 10,000 of them
    // left by a process that did not serve (weft run, an application) stayed in memory
    // and held the worker's capacity until their timers fired.
    const { unloadAfterMs } = this.claims.options;
    if (unloadAfterMs > 0) this.attacher.enableUnload(unloadAfterMs, (at) => this.wakeAt(at));
    const first = await this.recover();
    this.unsubscribe ??= this.store.onWork?.((dueAt) =>
      dueAt !== undefined && dueAt > this.claims.now() ? this.wakeAt(dueAt) : this.wake(),
    );
    // unloaded executions of an earlier process come due later: wake for the first of them
    const next = await this.store.nextDueAt();
    if (next !== undefined) this.wakeAt(next);
    this.arm();
    return first;
  }

  /** Wakes the loop when work comes due at `at`, if that is sooner than planned. */
  wakeAt(at: number): void {
    if (this.stopped) return;
    if (at > this.claims.now()) this.due.push(at);
    const when = at;
    if (this.wakeTimerAt !== undefined && this.wakeTimerAt <= when) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimerAt = when;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeTimerAt = undefined;
        this.wake();
      },
      // setTimeout takes at most 2^31 - 1 ms (24.8 days) and fires at once beyond it: a
      // far due time (a claim of an exclusive store lasts 100 years) wakes the loop then,
      // for one claim round that finds nothing and waits again
      Math.min(Math.max(0, when - this.claims.now()), maxTimeoutMs),
    );
  }

  /** This process put claimable work in the store (a parked execution's run item): a
   *  serving loop claims it now (SQLite's onWork tells only of other connections'). */
  workAdded(): void {
    if (this.serving) this.wakeAt(this.claims.now());
  }

  stop(): void {
    this.stopped = true;
    this.serving = false;
    this.attacher.enableUnload(undefined);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeTimerAt = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), this.claims.options.pollMs);
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.recover()
      .then(() => {
        void this.keepHouse();
        // the next run item we know of (unloaded here, or announced by NOTIFY) wakes us then
        const now = this.claims.now();
        while (this.due.size > 0 && this.due.peek()! <= now) this.due.pop();
        if (this.due.size > 0) this.wakeAt(this.due.peek()!);
      })
      .catch((e: unknown) =>
        process.stderr.write(`weft worker: claiming work failed: ${String(e)}\n`),
      )
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.wake();
        } else this.arm();
      });
  }

  /**
   * At most once a minute: stale entries of the cache extension leave the store, and with
   * a retention the executions that ended before it, a batch at a time until none is left.
   * Failures wait for the next round.
   */
  private async keepHouse(): Promise<void> {
    const now = this.claims.now();
    if (this.housekeeping || now - this.lastHousekeeping < housekeepingEveryMs) return;
    this.housekeeping = true;
    this.lastHousekeeping = now;
    try {
      await this.store.pruneCache(now).catch(() => undefined);
      if (this.retentionMs === undefined) return;
      const before = now - this.retentionMs;
      while (!this.stopped) {
        const deleted = await this.store.pruneExecutions(before, pruneBatch).catch(() => 0);
        if (deleted < pruneBatch) break;
      }
    } finally {
      this.housekeeping = false;
    }
  }

  /**
   * While serving an exclusive store, every reconcileEveryPolls: the executions another
   * process on this machine drove until it died (a `weft run` SIGKILLed beside the worker)
   * become claimable, so this loop resumes them (before, they waited for the next worker
   * to start); and the other way round, executions driven here that another process
   * ended (terminate) leave memory, and their calls stop.
   */
  private async reconcile(): Promise<void> {
    const release = this.store.releaseOrphanedClaims;
    if (!this.serving || !this.claims.exclusive || !release) return;
    const now = this.claims.now();
    if (now - this.lastReconcile < reconcileEveryPolls * this.claims.options.pollMs) return;
    this.lastReconcile = now;
    await release.call(this.store, this.claims.options.name).catch(() => 0);
    if (!this.claims.drivesAll || !this.store.endedAmong) return;
    const runners = this.attacher.driven();
    if (runners.size === 0) return;
    const ended = await this.store.endedAmong([...runners.keys()]).catch(() => []);
    this.attacher.dropEnded(runners, ended);
  }

  /** Exclusive stores: claims of processes that are gone are void (resetClaims). */
  private voidOldClaims(): Promise<void> {
    if (!this.claims.exclusive || !this.store.resetClaims) return Promise.resolve();
    // refused (another process serves the file: StoreInUseError), a later call tries again
    this.reset ??= this.store.resetClaims(this.claims.now()).then(
      () => undefined,
      (error: unknown) => {
        this.reset = undefined;
        throw error;
      },
    );
    return this.reset;
  }

  private async attach(item: WorkItem, result: Recovered): Promise<void> {
    const id = item.executionId;
    // no recovery, not counted: an execution a worker unloaded (it waited for a timer), one
    // no worker held before (nothing can have crashed driving it; saves an UPDATE), or one
    // this process gave back when the store could not take its step (a full disk makes no
    // poison execution: counted, a few rounds of it parked every execution in flight), or
    // one another process's request put back (cancel, suspend, resume: remote.ts). A claim
    // takes the item's mark (Store.claimWork), so the claim after a crash that follows
    // finds none and counts.
    const payload = item.payload as { unloaded?: boolean; request?: RemoteRequest } | undefined;
    const unloaded = payload?.unloaded === true;
    const requested = payload?.request;
    const givenBack = this.claims.takeGivenBack(id);
    try {
      const l = await this.attacher.claimed(
        id,
        !unloaded && requested === undefined && item.firstClaim !== true && !givenBack,
        requested,
      );
      if (l?.parked) result.parked.push(id);
      else if (l) result.resumed.push(id);
    } catch (e) {
      // one execution that cannot be rebuilt must not stop the others
      process.stderr.write(`weft: cannot resume execution ${id}: ${String(e)}\n`);
      this.claims.forget(id);
      result.parked.push(id);
    }
  }
}

/** A binary min-heap of numbers. */
class MinHeap {
  private readonly a: number[] = [];

  get size(): number {
    return this.a.length;
  }

  peek(): number | undefined {
    return this.a[0];
  }

  push(v: number): void {
    const a = this.a;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= v) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = v;
  }

  pop(): number | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && a[r]! < a[l]! ? r : l;
      if (a[c]! >= last) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
    return top;
  }
}
