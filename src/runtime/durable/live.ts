// An execution as this process knows it. `outcome` settles once, whoever learns it first:
// the runner driving it here, or the store (RemoteOutcomes) when another worker drives it.
// A Live outlives its runner: a runner unloaded while it waits for a timer, or dropped
// because another worker took the execution, leaves the Live (and whoever awaits it) in
// place, and the next runner of the execution settles the same Live.
import type { ExecutionRunner } from '../runner.js';
import type { Outcome } from '../started.js';

export class Live {
  readonly outcome: Promise<Outcome>;
  runner?: ExecutionRunner;
  parked?: 'determinism' | 'dead-letter';
  /** The runner was unloaded: the execution waits in the store (its run item is due later). */
  unloaded = false;
  /** Someone holds this Live's outcome (a handle, a parent): it must settle even remotely. */
  awaited = false;
  /** RemoteOutcomes polls the store for it. */
  watched = false;
  settled = false;
  private resolve!: (o: Outcome) => void;

  constructor(
    readonly id: string,
    readonly depth: number,
  ) {
    this.outcome = new Promise((resolve) => (this.resolve = resolve));
  }

  settle(o: Outcome): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(o);
  }

  /** The runner that drives it now; its outcome settles this Live. */
  drive(runner: ExecutionRunner): void {
    this.runner = runner;
    this.unloaded = false;
    void runner.outcome.then((o) => {
      if (this.runner === runner) this.settle(o);
    });
  }
}
