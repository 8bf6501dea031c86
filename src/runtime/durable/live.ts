// An execution as this process knows it. `outcome` settles once, whoever learns it first:
// the runner driving it here, or the store (RemoteOutcomes) when another worker drives it.
// A Live outlives its runner: a runner unloaded while it waits for a timer, or dropped
// because another worker took the execution, leaves the Live (and whoever awaits it) in
// place, and the next runner of the execution settles the same Live.
//
// Decision: the outcome promise is made when someone first asks for it, and the Attacher's
// map forgets a settled Live without a promise reaction of its own. A process that started
// 100,000 executions now waiting for their timers keeps one Live each (unloaded, with no
// runner). Measured 2026-11-26 (docs/benchmarks.md, session 8): the live heap per unloaded
// execution went from 660 to 315 bytes (20,000 of them, nobody asking for their outcome),
// and the timers benchmark's RSS while 100,000 wait from 481-494 MB to 394-403 MB: V8 lets
// the heap grow in proportion to what survives a full collection. Since session 9 a
// handle that never asks for the outcome (a start through the HTTP API) does not keep
// its Live in the map while the execution is unloaded: 0 bytes instead of 315
// (Attacher.outcomeOf brings the Live back if the handle asks later).
import type { ExecutionRunner } from '../runner.js';
import type { Outcome } from '../started.js';

export class Live {
  runner?: ExecutionRunner;
  parked?: 'determinism' | 'dead-letter';
  /** The runner was unloaded: the execution waits in the store (its run item is due later). */
  unloaded = false;
  /**
   * Someone asked for its outcome (a handle's result(), a parent): it must settle even
   * remotely, so it stays in memory while unloaded. A handle that never asks keeps
   * nothing in the map (Attacher.outcomeOf brings the Live back when it asks later).
   */
  awaited = false;
  /** RemoteOutcomes polls the store for it. */
  watched = false;
  settled = false;
  /** The map that keeps it (Attacher): a settled Live leaves it. */
  home?: Map<string, Live>;
  private result?: Outcome;
  private promise?: Promise<Outcome>;
  private resolve?: (o: Outcome) => void;

  constructor(
    readonly id: string,
    readonly depth: number,
  ) {}

  /** Settles when the execution ends; the same promise at every call. */
  get outcome(): Promise<Outcome> {
    this.awaited = true;
    this.promise ??= this.result
      ? Promise.resolve(this.result)
      : new Promise((resolve) => (this.resolve = resolve));
    return this.promise;
  }

  settle(o: Outcome): void {
    if (this.settled) return;
    this.settled = true;
    this.result = o;
    this.resolve?.(o);
    this.resolve = undefined;
    // finished executions need not stay in memory: their outcome is in the store
    if (this.home) queueMicrotask(() => this.leave());
  }

  /** Leaves the map that keeps it, unless another Live of the same id took its place. */
  leave(): void {
    if (this.home?.get(this.id) === this) this.home.delete(this.id);
    this.home = undefined;
  }

  /** The runner that drives it now; its outcome settles this Live, unless the runner
   *  stopped as lost (detached): another writer ends the execution then. */
  drive(runner: ExecutionRunner): void {
    this.runner = runner;
    this.unloaded = false;
    void runner.outcome.then((o) => {
      if (this.runner === runner && !runner.detached) this.settle(o);
    });
  }
}
