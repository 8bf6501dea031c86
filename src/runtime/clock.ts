// Time for the runtime: what "now" is (it becomes each history event's `time`, the
// interpreter's now) and how timers wait. Tests inject a manual clock; nothing else in
// the runtime calls Date.now() or setTimeout directly.

export interface Clock {
  now(): number;
  /** Calls `fn` after `ms` milliseconds; returns a function that cancels it. */
  schedule(ms: number, fn: () => void): () => void;
}

/** Node's largest setTimeout delay; longer waits are chained. */
const maxDelay = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(ms, fn) {
    let handle: NodeJS.Timeout;
    const arm = (left: number) => {
      handle = setTimeout(
        () => (left > maxDelay ? arm(left - maxDelay) : fn()),
        Math.min(Math.max(0, left), maxDelay),
      );
    };
    arm(ms);
    return () => clearTimeout(handle);
  },
};

/** A clock that moves only when told to (tests). */
export class ManualClock implements Clock {
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;

  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  schedule(ms: number, fn: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ at: this.current + Math.max(0, ms), fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  /** Moves time forward by `ms`, firing due timers in due order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.timers
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.current = target;
  }

  /** How many timers wait. */
  get pending(): number {
    return this.timers.length;
  }
}
