// The worker's loop: claim run items, attach their executions (claims.ts says what a
// claim means). recover() claims until nothing claimable is left; serve() keeps doing it
// when the store says work was added or released (onWork: LISTEN/NOTIFY on PostgreSQL)
// and every pollMs, which also picks up executions whose holder died (their claims lapse
// after leaseMs: the takeover bound).
import type { Store, WorkItem } from '../../store/types.js';
import type { Attacher } from './attach.js';
import type { Claims } from './claims.js';

export interface Recovered {
  resumed: string[];
  parked: string[];
}

export class WorkLoop {
  private running = false;
  private stopped = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private reset: Promise<void> | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeTimerAt: number | undefined;

  constructor(
    private readonly store: Store,
    private readonly claims: Claims,
    private readonly attacher: Attacher,
  ) {}

  /** Claims and attaches every claimable execution now. */
  async recover(): Promise<Recovered> {
    await this.voidOldClaims();
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
    const first = await this.recover();
    const { unloadAfterMs } = this.claims.options;
    if (unloadAfterMs > 0) this.attacher.enableUnload(unloadAfterMs, (at) => this.wakeAt(at));
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
      Math.max(0, when - this.claims.now()),
    );
  }

  stop(): void {
    this.stopped = true;
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
      .then(async () => {
        // the next item due (an unloaded execution's timer, a released claim) wakes us then
        const next = await this.store.nextDueAt();
        if (next !== undefined && next > this.claims.now()) this.wakeAt(next);
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

  /** Exclusive stores: claims of the process before this one are void (it is gone). */
  private voidOldClaims(): Promise<void> {
    if (!this.claims.exclusive || !this.store.resetClaims) return Promise.resolve();
    this.reset ??= this.store.resetClaims(this.claims.now()).then(() => undefined);
    return this.reset;
  }

  private async attach(item: WorkItem, result: Recovered): Promise<void> {
    const id = item.executionId;
    // an execution a worker unloaded (it waited for a timer) is no recovery: not counted
    const unloaded = (item.payload as { unloaded?: boolean } | undefined)?.unloaded === true;
    try {
      const l = await this.attacher.claimed(id, !unloaded);
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
