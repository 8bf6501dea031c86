// What only a shared PostgreSQL must guarantee: duplicate starts from many connections
// collapse into one execution, SKIP LOCKED never hands one item to two holders, a stale
// fencing token's write is refused, and aging lets low priority through.

import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  LeaseLostError,
  type FencedLease,
  type NewWorkItem,
  type PostgresStore,
} from '../../src/store/index.js';
import { T0, newExecution, seed, taskStarted } from './fixtures.js';
import { describePg, dropSchema, freshSchema, openTestStore, pgUnavailable } from './pg-helpers.js';

const unavailable = await pgUnavailable();
let schema: string;
let stores: PostgresStore[] = [];

async function open(options: Parameters<typeof openTestStore>[1] = {}): Promise<PostgresStore> {
  const store = await openTestStore(schema, options);
  stores.push(store);
  return store;
}

beforeEach(() => {
  schema = freshSchema();
});

afterEach(async () => {
  await Promise.all(stores.map((s) => s.close()));
  stores = [];
  if (!unavailable) await dropSchema(schema);
});

const ready = (dueAt = T0): NewWorkItem => ({ key: 'ready', kind: 'ready', dueAt });

describePg('PostgreSQL claims, fences and idempotency', unavailable, () => {
  it('creates one execution from 1,000 concurrent starts with one idempotency key', async () => {
    const clients = await Promise.all([1, 2, 3, 4].map(() => open({ poolSize: 5 })));
    const wf = await seed(clients[0]!, []);
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        clients[i % 4]!.createExecution(
          newExecution(`e${i}`, wf, { idempotencyKey: 'order-1', input: { n: 1 } }),
        ),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.execution.id)).size).toBe(1);
    const page = await clients[1]!.listExecutions({ limit: 1000 });
    expect(page.items).toHaveLength(1);
    expect(await clients[2]!.loadHistory(page.items[0]!.id)).toHaveLength(1);
  });

  it('never hands the same item to two holders when several clients claim at once', async () => {
    const clients = await Promise.all([1, 2, 3, 4].map(() => open({ poolSize: 3 })));
    const ids = Array.from({ length: 200 }, (_, i) => `e${String(i).padStart(3, '0')}`);
    const wf = await seed(clients[0]!, []);
    await clients[0]!.commit({
      now: T0,
      create: ids.map((id) => newExecution(id, wf, { work: [ready()] })),
    });
    const holders = new Map<string, string[]>();
    await Promise.all(
      clients.flatMap((client, c) =>
        [0, 1, 2].map(async (w) => {
          const worker = `c${c}w${w}`;
          for (;;) {
            const items = await client.claimWork({ worker, now: T0, leaseMs: 60_000, limit: 3 });
            if (items.length === 0) return;
            for (const item of items) {
              holders.set(item.executionId, [...(holders.get(item.executionId) ?? []), worker]);
            }
          }
        }),
      ),
    );
    expect([...holders.keys()].sort()).toEqual(ids);
    const twice = [...holders.entries()].filter(([, who]) => who.length > 1);
    expect(twice).toEqual([]);
    // More than one client got work: the claims really ran side by side.
    const clientsThatClaimed = new Set([...holders.values()].map((w) => w[0]!.slice(0, 2)));
    expect(clientsThatClaimed.size).toBeGreaterThan(1);
  });

  it('refuses a write carrying a stale fencing token, even from the same worker name', async () => {
    const store = await open();
    await seed(store, ['e1']);
    await store.commit({
      now: T0,
      writes: [{ executionId: 'e1', expectedNextSeq: 2, addWork: [ready()] }],
    });
    const [first] = await store.claimFenced({ worker: 'w1', now: T0, leaseMs: 100, limit: 1 });
    // The lease lapses and the same worker name claims again (a restarted process).
    const [second] = await store.claimFenced({
      worker: 'w1',
      now: T0 + 100,
      leaseMs: 100,
      limit: 1,
    });
    expect(second!.fence).toBeGreaterThan(first!.fence);
    // only the item's first claim says so (the engine then counts no recovery attempt)
    expect(first!.firstClaim).toBe(true);
    expect(second).not.toHaveProperty('firstClaim');
    const stale: FencedLease = { worker: 'w1', keys: ['ready'], fences: [first!.fence] };
    const attempt = store.commit({
      now: T0 + 150,
      writes: [{ executionId: 'e1', expectedNextSeq: 2, events: [taskStarted(0)], lease: stale }],
    });
    await expect(attempt).rejects.toBeInstanceOf(LeaseLostError);
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `w1 no longer holds work item ready \\(worker w1 with fencing token ${second!.fence}, not ${first!.fence}`,
      ),
    );
    expect(await store.loadHistory('e1')).toHaveLength(1);
    const current: FencedLease = { worker: 'w1', keys: ['ready'], fences: [second!.fence] };
    const ok = await store.commit({
      now: T0 + 150,
      writes: [
        {
          executionId: 'e1',
          expectedNextSeq: 2,
          events: [taskStarted(0)],
          removeWork: ['ready'],
          lease: current,
        },
      ],
    });
    expect(ok.nextSeqs).toEqual([3]);
  });

  it('refuses a fenced write whose work item is gone', async () => {
    const store = await open();
    await seed(store, ['e1']);
    const attempt = store.commit({
      now: T0,
      writes: [
        {
          executionId: 'e1',
          expectedNextSeq: 2,
          events: [taskStarted(0)],
          lease: { worker: 'w1', keys: ['ready'] },
        },
      ],
    });
    await expect(attempt).rejects.toThrow(
      /worker w1 no longer holds work item ready \(it is gone\)/,
    );
  });

  it('serves low priority that waited long enough before newer high priority (aging)', async () => {
    const store = await open({ agingSeconds: 10 });
    const wf = await seed(store, []);
    // low waited 25 s: effective 0 + 25/10 = 2.5; high arrived now: 2 + 0 = 2.
    await store.createExecution(
      newExecution('low', wf, { priority: 0, work: [ready(T0 - 25_000)] }),
    );
    await store.createExecution(newExecution('high', wf, { priority: 2, work: [ready(T0)] }));
    await store.createExecution(
      newExecution('recent-low', wf, { priority: 0, work: [ready(T0 - 5_000)] }),
    );
    const order = await store.claimWork({ worker: 'w', now: T0, leaseMs: 1000, limit: 3 });
    expect(order.map((w) => w.executionId)).toEqual(['low', 'high', 'recent-low']);
  });
});
