// Point reads that arrive together go to PostgreSQL as one statement. A worker that claims
// 200 executions attaches them at once: 200 getExecution, 200 noteRecoveryAttempt and 200
// loadHistory calls in the same tick, which on a pool of 4 connections queued for
// 200-300 ms each (bench/workers/run.ts, 1 worker draining 1,000 executions: 4 pooled
// round trips per execution, the worker idle 70% of the time waiting for the pool).
// Coalesced, they are one `= ANY($1)` statement per kind and tick.
//
// Calls are gathered until the current tick's promise jobs have run (process.nextTick),
// so a lone call waits for nothing; at most `max` keys go in one statement.

/** Answers the keys found; `calls[i]` is how many calls asked for keys[i]. */
export type Lookup<V> = (keys: string[], calls: number[]) => Promise<Map<string, V>>;

interface Waiter<V> {
  resolve: (value: V | undefined) => void;
  reject: (error: unknown) => void;
}

export class Coalescer<V> {
  private pending = new Map<string, Waiter<V>[]>();
  private scheduled = false;

  /**
   * `lookup` gets distinct keys. Plain: every caller of a key gets the same value.
   * `counted` (increments, V = number): `lookup` adds calls[i] to keys[i] and answers the
   * new values; the n callers of one key get value - n + 1, ..., value, as if they had
   * run one after the other.
   */
  constructor(
    private readonly lookup: Lookup<V>,
    private readonly options: { max?: number; counted?: boolean } = {},
  ) {}

  get(key: string): Promise<V | undefined> {
    return new Promise<V | undefined>((resolve, reject) => {
      let waiters = this.pending.get(key);
      if (!waiters) this.pending.set(key, (waiters = []));
      waiters.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        process.nextTick(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = new Map();
    const keys = [...batch.keys()];
    const max = this.options.max ?? 500;
    for (let i = 0; i < keys.length; i += max) {
      const slice = keys.slice(i, i + max);
      this.lookup(
        slice,
        slice.map((k) => batch.get(k)!.length),
      ).then(
        (found) => {
          for (const key of slice) this.settle(batch.get(key)!, found.get(key));
        },
        (error: unknown) => {
          for (const key of slice) for (const w of batch.get(key)!) w.reject(error);
        },
      );
    }
  }

  private settle(waiters: Waiter<V>[], value: V | undefined): void {
    waiters.forEach((w, i) => {
      if (this.options.counted && typeof value === 'number') {
        w.resolve((value - (waiters.length - 1 - i)) as V);
      } else w.resolve(value);
    });
  }
}
