// The cache extension on the durable engine keeps results in the store's cache table
// (src/runtime/cache.ts StoreEffectCache): a result is reused across restarts and by
// every worker on the store while fresh, never a fault, and a serving worker deletes
// stale entries.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Json } from '../../src/history/events.js';
import { ManualClock } from '../../src/runtime/clock.js';
import type { PostgresStore, Store } from '../../src/store/index.js';
import {
  describePg,
  dropSchema,
  freshSchema,
  openTestStore,
  pgUnavailable,
  until,
} from '../store/pg-helpers.js';
import { type Home, doc, engineOn, tempHome } from './helpers.js';

const cached = (call: string) =>
  doc('cached', [
    { look: { call, with: { id: '${ .id }' }, cache: { key: '${ .id }', ttl: 'PT1M' } } },
  ]);
const ref = { namespace: 'test', name: 'cached', version: '1.0.0' };
const T0 = 1_700_000_000_000;

describe('the cache extension on the durable engine', () => {
  let home: Home;
  let stores: Store[];
  beforeEach(() => {
    home = tempHome();
    stores = [];
  });
  afterEach(async () => {
    for (const s of stores) await s.close();
    home.remove();
  });
  const open = () => {
    const s = home.open();
    stores.push(s);
    return s;
  };

  it('reuses a result after a restart while fresh, and calls again once stale', async () => {
    const clock = new ManualClock(T0);
    let calls = 0;
    const lookup = (args: Json) => ({ n: ++calls, args });
    const first = engineOn(open(), { clock });
    first.registerFunction('lookup', lookup);
    await first.register(cached('lookup'));
    expect(await (await first.start(ref, { id: 1 })).result()).toEqual({ n: 1, args: { id: 1 } });
    await first.close();

    const second = engineOn(open(), { clock }); // a new process on the same file
    second.registerFunction('lookup', lookup);
    await second.register(cached('lookup'));
    expect(await (await second.start(ref, { id: 1 })).result()).toEqual({
      n: 1,
      args: { id: 1 },
    });
    expect(await (await second.start(ref, { id: 2 })).result()).toEqual({
      n: 2,
      args: { id: 2 },
    });
    clock.advance(60_000);
    expect(await (await second.start(ref, { id: 1 })).result()).toEqual({
      n: 3,
      args: { id: 1 },
    });
    expect(calls).toBe(3);
    await second.close();
  });

  it('never keeps a fault', async () => {
    const engine = engineOn(open());
    let attempts = 0;
    engine.registerFunction('flaky', () => {
      if (attempts++ === 0) throw new Error('first call fails');
      return { ok: attempts };
    });
    await engine.register(cached('flaky'));
    expect((await (await engine.start(ref, { id: 1 })).outcome).status).toBe('faulted');
    expect(await (await engine.start(ref, { id: 1 })).result()).toEqual({ ok: 2 });
    expect(await (await engine.start(ref, { id: 1 })).result()).toEqual({ ok: 2 });
    expect(attempts).toBe(2);
    await engine.close();
  });

  it('cancels the child execution a cached `run: workflow` did not need', async () => {
    const engine = engineOn(open());
    let calls = 0;
    engine.registerFunction('work', () => ({ n: ++calls }));
    await engine.register(doc('child', [{ w: { call: 'work' } }]));
    await engine.register(
      doc('parent', [
        {
          c: {
            run: { workflow: { namespace: 'test', name: 'child', version: '1.0.0' } },
            cache: { key: '${ .id }', ttl: 'PT1M' },
          },
        },
      ]),
    );
    const parent = { namespace: 'test', name: 'parent', version: '1.0.0' };
    expect(await (await engine.start(parent, { id: 1 })).result()).toEqual({ n: 1 });
    const second = await engine.start(parent, { id: 1 });
    expect(await second.result()).toEqual({ n: 1 }); // from the cache
    // the child its ChildStarted created ends cancelled, not waiting to run some day
    const children = (await engine.store.listExecutions({ parentId: second.id })).items;
    expect(children).toHaveLength(1);
    await until(
      async () => (await engine.store.getExecution(children[0]!.id))?.status.state === 'cancelled',
      'the unneeded child to be cancelled',
    );
    expect(calls).toBe(1);
    await engine.close();
  });

  describe('a child whose cache lookup is in flight', () => {
    const parentDoc = doc('parent', [
      {
        c: {
          run: { workflow: { namespace: 'test', name: 'child', version: '1.0.0' } },
          cache: { key: '${ .id }', ttl: 'PT1M' },
        },
      },
    ]);
    /** The store, with getCached held until `release()`. */
    function held(store: Store) {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let asked = false;
      const proxy = new Proxy(store, {
        get(target, key) {
          if (key === 'getCached')
            return async (k: string, now: number) => {
              asked = true;
              await gate;
              return target.getCached(k, now);
            };
          const value: unknown = Reflect.get(target, key, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      return { proxy, release, asked: () => asked };
    }
    async function setUp(store: Store) {
      const engine = engineOn(store);
      engine.registerFunction('work', () => ({ ok: true }));
      await engine.register(doc('child', [{ w: { wait: { milliseconds: 50 } } }]));
      await engine.register(parentDoc);
      return engine;
    }
    const childOf = async (store: Store, parentId: string) =>
      (await store.listExecutions({ parentId })).items[0]!;
    /** A parent started with input {id}, its child's cache lookup held open. */
    async function inLookup(id: number) {
      const store = open();
      const h = held(store);
      const engine = await setUp(h.proxy);
      const parent = await engine.start(
        { namespace: 'test', name: 'parent', version: '1.0.0' },
        { id },
      );
      await until(() => h.asked(), 'the cache lookup');
      return { store, engine, parent, release: h.release };
    }

    it('goes with its parent when the parent is cancelled meanwhile', async () => {
      const { store, engine, parent, release } = await inLookup(1);
      await engine.cancel(parent.id, 'not needed');
      release();
      const child = await childOf(store, parent.id);
      await until(
        async () => (await store.getExecution(child.id))?.status.state === 'cancelled',
        'the child to be cancelled',
      );
      await engine.close();
    });

    it('stays when the process stops meanwhile (recovery launches it again)', async () => {
      const { store, engine, parent, release } = await inLookup(2);
      const closing = engine.close(); // detaches the parent's runner
      release();
      await closing;
      const child = await childOf(store, parent.id);
      expect((await store.getExecution(child.id))?.status.state).toBe('running');
      // a new process finishes both
      const next = await setUp(store);
      await next.recover();
      expect(await (await next.handle(parent.id))!.result()).toEqual({ id: 2 });
      await next.close();
    });
  });

  it('lets a serving worker delete stale entries', async () => {
    const clock = new ManualClock(T0 + 120_000);
    const store = open();
    await store.commit({ now: T0, cache: [{ key: 'old', result: 1, expiresAt: T0 + 60_000 }] });
    await store.commit({
      now: T0,
      cache: [{ key: 'fresh', result: 2, expiresAt: T0 + 600_000 }],
    });
    const engine = engineOn(store, { clock, worker: { pollMs: 10 } });
    await engine.serve();
    // read as of a time both were fresh: only a deleted entry is missing then
    await until(async () => (await store.getCached('old', T0)) === undefined, 'the prune');
    expect((await store.getCached('fresh', T0))?.result).toBe(2);
    await engine.close();
  });
});

const reason = await pgUnavailable();

describePg('the cache extension across workers on PostgreSQL', reason, () => {
  it('reuses a result one worker recorded in another', async () => {
    const schema = freshSchema();
    const a: PostgresStore = await openTestStore(schema);
    const b: PostgresStore = await openTestStore(schema);
    try {
      let calls = 0;
      const lookup = () => ({ n: ++calls });
      const one = engineOn(a, { worker: { name: 'one' } });
      const two = engineOn(b, { worker: { name: 'two' } });
      for (const e of [one, two]) {
        e.registerFunction('lookup', lookup);
        await e.register(cached('lookup'));
      }
      expect(await (await one.start(ref, { id: 7 })).result()).toEqual({ n: 1 });
      expect(await (await two.start(ref, { id: 7 })).result()).toEqual({ n: 1 });
      expect(calls).toBe(1);
      await one.close();
      await two.close();
    } finally {
      await a.close();
      await b.close();
      await dropSchema(schema);
    }
  });
});
