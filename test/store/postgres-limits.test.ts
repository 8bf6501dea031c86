// Issue 6 acceptance, at the store: four claimers on four connections (each a worker:
// claim, hold a short random time, commit the terminal status with the fence) over a few
// hundred executions with limit keys. A sampler on a fifth connection reads the running
// count per key throughout; the workers keep their own count of what they hold. Time in
// the store is logical (`now` is passed), so nothing here depends on the wall clock:
// assertions are on counts and order only.

import { expect, it } from 'vitest';
import type {
  FencedLease,
  FencedWorkItem,
  NewExecution,
  NewWorkflow,
  PostgresStore,
} from '../../src/store/index.js';
import { T0, newExecution, workflow } from './fixtures.js';
import { admin, describePg, pgUnavailable, schemaPerTest } from './pg-helpers.js';

const unavailable = await pgUnavailable();
const pg = schemaPerTest(unavailable);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function openFour(agingSeconds = 60): Promise<PostgresStore[]> {
  return Promise.all([1, 2, 3, 4].map(() => pg.store({ poolSize: 3, agingSeconds })));
}

async function start(
  store: PostgresStore,
  wf: NewWorkflow,
  id: string,
  extra: Partial<NewExecution>,
  dueAt = T0,
) {
  await store.createExecution(
    newExecution(id, wf, { work: [{ key: 'run', kind: 'ready', dueAt }], ...extra }),
  );
}

async function complete(store: PostgresStore, worker: string, item: FencedWorkItem, now: number) {
  const lease: FencedLease = { worker, keys: ['run'], fences: [item.fence] };
  await store.commit({
    now,
    writes: [
      {
        executionId: item.executionId,
        expectedNextSeq: 2,
        status: { state: 'completed', output: null },
        lease,
      },
    ],
  });
}

interface Worker {
  /** The time of a claim (logical). */
  now(): number;
  /** The executions the item counts in (its keys), for the workers' own count. */
  admitted(item: FencedWorkItem, now: number): void;
  released(item: FencedWorkItem): void;
  finished(): boolean;
  /**
   * Runs each claim (its now() and its statement) after the one before it has ended, so
   * that the order of the claims' logical times is the order the database saw them in.
   * Without it, a worker that took its time first could reach the database second.
   */
  inTurn?<T>(claim: () => Promise<T>): Promise<T>;
}

/** One worker: claims up to `limit` at a time until everything is finished. */
async function work(store: PostgresStore, name: string, w: Worker, limit = 2): Promise<number> {
  let claimed = 0;
  for (let idle = 0; !w.finished();) {
    const claim = async () => {
      const now = w.now();
      const items = await store.claimFenced({
        worker: name,
        now,
        leaseMs: 3_600_000,
        limit,
        kinds: ['ready'],
      });
      return { now, items };
    };
    const { now, items } = await (w.inTurn ? w.inTurn(claim) : claim());
    if (items.length === 0) {
      if (++idle > 20_000) throw new Error(`${name}: no progress`);
      await pause(1);
      continue;
    }
    idle = 0;
    claimed += items.length;
    await Promise.all(
      items.map(async (item) => {
        w.admitted(item, now);
        await pause(Math.floor(Math.random() * 4));
        w.released(item);
        await complete(store, name, item, now);
      }),
    );
  }
  return claimed;
}

describePg('PostgreSQL limits across four workers', unavailable, () => {
  it('never runs more executions of a key than its limit, sampled throughout', async () => {
    const clients = await openFour();
    const wf = workflow();
    await clients[0]!.putWorkflow(wf);
    const limits = [1, 2, 3, 1, 2, 3];
    const total = 300;
    const keysOf = (i: number) => [
      { key: `k${i % 6}`, limit: limits[i % 6]! },
      ...(i % 2 === 0 ? [{ key: 'ns:shared', limit: 5 }] : []),
    ];
    const limitOf = new Map<string, number>([
      ...limits.map((l, k): [string, number] => [`k${k}`, l]),
      ['ns:shared', 5],
    ]);
    for (let i = 0; i < total; i++) {
      const id = `e${String(i).padStart(3, '0')}`;
      await start(clients[i % 4]!, wf, id, { concurrency: keysOf(i) });
    }

    const running = new Map<string, number>();
    const most = new Map<string, number>();
    const keysById = (id: string) => keysOf(Number(id.slice(1))).map((k) => k.key);
    let done = 0;
    const w: Worker = {
      now: () => T0,
      admitted: (item) => {
        for (const key of keysById(item.executionId)) {
          running.set(key, (running.get(key) ?? 0) + 1);
          most.set(key, Math.max(most.get(key) ?? 0, running.get(key)!));
        }
      },
      released: (item) => {
        for (const key of keysById(item.executionId)) running.set(key, running.get(key)! - 1);
        done++;
      },
      finished: () => done >= total,
    };

    // The store's own view, from a fifth connection, while the workers run.
    const sampled = new Map<string, number>();
    let samples = 0;
    const sampler = (async () => {
      while (done < total) {
        const rows = await admin<{ key: string; n: string }>(
          `SELECT key, count(*) AS n FROM "${pg.schema}".limit_slots
           WHERE kind = 'concurrency' AND held GROUP BY key`,
        );
        for (const r of rows) sampled.set(r.key, Math.max(sampled.get(r.key) ?? 0, Number(r.n)));
        samples++;
      }
    })();
    const claimed = await Promise.all(clients.map((c, i) => work(c, `w${i}`, w)));
    await sampler;

    expect(claimed.reduce((a, b) => a + b, 0)).toBe(total);
    expect(claimed.filter((n) => n > 0).length).toBeGreaterThan(1);
    expect(samples).toBeGreaterThan(3);
    for (const [key, limit] of limitOf) {
      expect(most.get(key), `workers' count of ${key}`).toBeLessThanOrEqual(limit);
      expect(sampled.get(key) ?? 0, `store's count of ${key}`).toBeLessThanOrEqual(limit);
    }
    // The limits were reached (the test could have failed): keys were contended.
    expect(most.get('ns:shared')).toBeGreaterThan(1);
    const page = await clients[0]!.listExecutions({ states: ['completed'], limit: 1000 });
    expect(page.items).toHaveLength(total);
    const [left] = await admin<{ n: string }>(
      `SELECT count(*) AS n FROM "${pg.schema}".limit_slots`,
    );
    expect(Number(left!.n)).toBe(0);
  }, 120_000);

  it('admits at most `limit` per period of a rate key, across the workers', async () => {
    const clients = await openFour();
    const wf = workflow();
    await clients[0]!.putWorkflow(wf);
    const total = 120;
    const period = 1000;
    for (let i = 0; i < total; i++) {
      await start(clients[i % 4]!, wf, `r${i}`, {
        rate: [{ key: `rate:${i % 2}`, limit: 4, periodMs: period }],
      });
    }
    // A logical clock: every claim is 25 ms after the one before, whichever worker.
    let clock = T0;
    const admissions = new Map<string, number[]>();
    let done = 0;
    const w: Worker = {
      now: () => (clock += 25),
      admitted: (item, now) => {
        const key = `rate:${Number(item.executionId.slice(1)) % 2}`;
        admissions.set(key, [...(admissions.get(key) ?? []), now]);
      },
      released: () => {
        done++;
      },
      finished: () => done >= total,
    };
    await Promise.all(clients.map((c, i) => work(c, `w${i}`, w)));
    for (const [key, times] of admissions) {
      expect(times).toHaveLength(total / 2);
      times.sort((a, b) => a - b);
      let most = 0;
      for (const [i, t] of times.entries()) {
        most = Math.max(most, times.filter((u, j) => j >= i && u < t + period).length);
      }
      expect(most, key).toBeLessThanOrEqual(4);
      expect(most, key).toBe(4); // the limit was reached: the check could have failed
    }
  }, 120_000);

  it('serves high priority first under a backlog, and low priority still progresses', async () => {
    // agingSeconds 1: a priority-10 item that became due 10 s (logical) after a priority-0
    // one still waiting goes after it.
    const clients = await openFour(1);
    const wf = workflow();
    await clients[0]!.putWorkflow(wf);
    const one = [{ key: 'one', limit: 2 }];
    const step = 250;
    // 20 low and 20 high due at T0, then one more high due every step until T0 + 15 s.
    for (let i = 0; i < 20; i++) await start(clients[i % 4]!, wf, `low${i}`, { concurrency: one });
    for (let i = 0; i < 80; i++) {
      const due = T0 + Math.max(0, i - 19) * step;
      await start(clients[i % 4]!, wf, `high${i}`, { concurrency: one, priority: 10 }, due);
    }
    // Every claim is one step after the one before, whichever worker, and takes at most
    // one item: high ones become due as fast as they can be admitted, so the backlog of
    // high never runs dry before the last one is due (deterministic, not timed).
    let clock = T0;
    const order: { id: string; now: number }[] = [];
    let done = 0;
    const total = 100;
    const w: Worker = {
      now: () => (clock += step),
      admitted: (item, now) => {
        order.push({ id: item.executionId, now });
      },
      released: () => {
        done++;
      },
      finished: () => done >= total,
      // the order below is by logical time: it must be the order of the claims
      inTurn: <T>(claim: () => Promise<T>) => {
        const turn = previous.then(claim);
        previous = turn.catch(() => undefined);
        return turn;
      },
    };
    let previous: Promise<unknown> = Promise.resolve();
    await Promise.all(clients.map((c, i) => work(c, `w${i}`, w, 1)));
    expect(order).toHaveLength(total);
    order.sort((a, b) => a.now - b.now);
    const low = (o: { id: string }) => o.id.startsWith('low');
    // High first: the first 20 admitted are high ones, and no low one is admitted before
    // it waited 10 s (its aging then equals the 10 priority levels).
    expect(order.slice(0, 20).filter(low)).toEqual([]);
    const firstLow = order.findIndex(low);
    expect(order[firstLow]!.now).toBeGreaterThanOrEqual(T0 + 10_000);
    // Low ones progress while high ones wait: every low one is admitted before the high
    // ones that became due more than 10 s after T0 (20 of them, due T0 + 10.25 .. 15 s).
    const lastLow = order.map(low).lastIndexOf(true);
    const after = order.slice(lastLow + 1).map((o) => o.id);
    const lateHigh = Array.from({ length: 80 }, (_, i) => i)
      .filter((i) => T0 + Math.max(0, i - 19) * step > T0 + 10_000)
      .map((i) => `high${i}`);
    expect(lateHigh).toHaveLength(20);
    expect(after.filter((id) => lateHigh.includes(id)).length).toBeGreaterThanOrEqual(15);
  }, 120_000);
});
