// Limits through the engine (docs/operations.md "Limits"): a workflow's `limits` holds
// its executions to their concurrency keys while an engine serves the store; the
// start's priority and keys are what the store gets.
import { afterEach, describe, expect, it } from 'vitest';
import type { DurableEngine } from '../../src/runtime/durable/engine.js';
import { type Home, engineOn, tempHome, tick } from './helpers.js';

let home: Home;
afterEach(() => home?.remove());

const limited = (extra: object) =>
  JSON.stringify({
    document: { dsl: '1.0.0', namespace: 'test', name: 'lim', version: '1.0.0' },
    limits: { priority: 3, concurrency: [{ key: '${ .customer }', limit: 1 }], ...extra },
    do: [{ work: { call: 'work', with: { customer: '${ .customer }', n: '${ .n }' } } }],
  });

/** Registers `work`: it records each call's `n` and, when `waits(n)`, returns only after
 *  `release()`. */
function gatedWork(engine: DurableEngine, waits: (n: number) => boolean) {
  const ran: number[] = [];
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  engine.registerFunction('work', async (args) => {
    const { n } = args as { n: number };
    ran.push(n);
    if (waits(n)) await held;
    return { n };
  });
  return { ran, release };
}

describe('limits through the engine', () => {
  it('runs at most `limit` executions per key at once, and all of them in the end', async () => {
    home = tempHome();
    const store = home.open();
    const engine = engineOn(store, { worker: { pollMs: 20 } });
    const running = new Map<string, number>();
    let most = 0;
    const order: number[] = [];
    engine.registerFunction('work', async (args) => {
      const { customer, n } = args as { customer: string; n: number };
      running.set(customer, (running.get(customer) ?? 0) + 1);
      most = Math.max(most, running.get(customer)!);
      order.push(n);
      await tick(5);
      running.set(customer, running.get(customer)! - 1);
      return { n };
    });
    await engine.register(limited({}));
    const ref = { namespace: 'test', name: 'lim' };
    const handles = [];
    for (let n = 0; n < 6; n++) {
      handles.push(await engine.start(ref, { customer: n % 2 ? 'b' : 'a', n }));
    }
    const first = await store.getExecution(handles[0]!.id);
    expect(first?.priority).toBe(3);
    await engine.serve();
    const outcomes = await Promise.all(handles.map((h) => h.outcome));
    expect(outcomes.map((o) => o.status)).toEqual(Array(6).fill('completed'));
    expect(most).toBe(1);
    // within a key, in start order (same priority)
    expect(order.filter((n) => n % 2 === 0)).toEqual([0, 2, 4]);
    await engine.close();
    await store.close();
  }, 30_000);

  it('cancels an execution waiting for a slot at once, without waiting for the slot', async () => {
    home = tempHome();
    const store = home.open();
    const engine = engineOn(store, { worker: { pollMs: 20 } });
    const { ran, release } = gatedWork(engine, (n) => n === 0);
    await engine.register(limited({}));
    const ref = { namespace: 'test', name: 'lim' };
    const first = await engine.start(ref, { customer: 'a', n: 0 });
    const queued = await engine.start(ref, { customer: 'a', n: 1 });
    await engine.serve();
    for (let i = 0; i < 200 && !ran.includes(0); i++) await tick(10);
    expect(ran).toEqual([0]); // the first holds key a's only slot
    await engine.cancel(queued.id, 'not needed');
    expect(await queued.outcome).toEqual({ status: 'cancelled', reason: 'not needed' });
    expect((await store.getExecution(first.id))?.status.state).toBe('running');
    const types = (await store.loadHistory(queued.id)).map((r) => r.event.type);
    expect(types).toEqual(['ExecutionStarted', 'ExecutionCancelled']);
    release();
    expect((await first.outcome).status).toBe('completed');
    expect(ran).toEqual([0]); // the cancelled one never ran its step
    await engine.close();
    await store.close();
  }, 30_000);

  it('drives no execution before a claim admits it, also one attached after a restart', async () => {
    home = tempHome();
    const ref = { namespace: 'test', name: 'lim' };
    // a process starts two executions of one key and stops before serving: none admitted
    const before = home.open();
    const gone = engineOn(before);
    gone.registerFunction('work', () => ({}));
    await gone.register(limited({}));
    const first = await gone.start(ref, { customer: 'a', n: 1 });
    const second = await gone.start(ref, { customer: 'a', n: 2 });
    await gone.close();
    await before.close();

    const store = home.open();
    const engine = engineOn(store, { worker: { pollMs: 20 } });
    const { ran, release } = gatedWork(engine, () => true);
    await engine.register(limited({}));
    expect((await store.getExecution(second.id))?.awaitingAdmission).toBe(true);
    // attaching it (as handle(), the CLI or a parent's recovery do) must not run it: on
    // the exclusive SQLite store this process drove it at once, its slot never taken
    const handle = (await engine.handle(second.id))!;
    await engine.serve(); // admits the first (start order); the second waits for its slot
    for (let i = 0; i < 200 && ran.length === 0; i++) await tick(10);
    await tick(100);
    expect(ran).toEqual([1]);
    expect((await store.loadHistory(second.id)).map((r) => r.event.type)).toEqual([
      'ExecutionStarted',
    ]);
    expect((await store.getExecution(first.id))?.awaitingAdmission).toBeUndefined();
    release();
    expect((await handle.outcome).status).toBe('completed');
    expect(ran).toEqual([1, 2]);
    await engine.close();
    await store.close();
  }, 30_000);

  it("holds sub-workflows to their workflow's limits; the namespace limit does not apply to them", async () => {
    home = tempHome();
    const store = home.open();
    // a namespace limit of 1 would deadlock if children counted: the parent holds it
    const engine = engineOn(store, { worker: { pollMs: 20 }, namespaceLimits: { test: 1 } });
    const running = new Map<string, number>();
    let most = 0;
    engine.registerFunction('work', async (args) => {
      const { customer } = args as { customer: string };
      running.set(customer, (running.get(customer) ?? 0) + 1);
      most = Math.max(most, running.get(customer)!);
      await tick(20);
      running.set(customer, running.get(customer)! - 1);
      return { customer };
    });
    await engine.register(limited({}));
    const child = (customer: string) => ({
      run: {
        workflow: { namespace: 'test', name: 'lim', version: '1.0.0', input: { customer, n: 0 } },
      },
    });
    await engine.register(
      JSON.stringify({
        document: { dsl: '1.0.0', namespace: 'test', name: 'fan', version: '1.0.0' },
        do: [
          {
            f: {
              fork: {
                branches: [
                  { a1: child('a') },
                  { a2: child('a') },
                  { a3: child('a') },
                  { b1: child('b') },
                ],
              },
            },
          },
        ],
      }),
    );
    await engine.serve();
    const h = await engine.start({ namespace: 'test', name: 'fan' }, {});
    const o = await Promise.race([h.outcome, tick(20_000).then(() => ({ status: 'stuck' }))]);
    expect(o.status).toBe('completed');
    expect(most).toBe(1); // key a's children one at a time
    const page = await engine.list({ parentId: h.id });
    expect(page.items).toHaveLength(4);
    expect(page.items.every((e) => e.priority === 3)).toBe(true); // the child's own
    await engine.close();
    await store.close();
  }, 30_000);

  it("faults the parent's run task with a 422 when a child's limit key does not evaluate", async () => {
    home = tempHome();
    const store = home.open();
    const engine = engineOn(store, { worker: { pollMs: 20 } });
    engine.registerFunction('work', () => ({}));
    await engine.register(limited({}));
    await engine.register(
      JSON.stringify({
        document: { dsl: '1.0.0', namespace: 'test', name: 'parent', version: '1.0.0' },
        do: [
          {
            c: {
              run: {
                workflow: { namespace: 'test', name: 'lim', version: '1.0.0', input: { n: 1 } },
              },
            },
          },
        ],
      }),
    );
    await engine.serve();
    const h = await engine.start({ namespace: 'test', name: 'parent' }, {});
    expect(await h.outcome).toMatchObject({
      status: 'faulted',
      error: { status: 422, field: '/limits/concurrency/0/key', instance: '/do/0/c' },
    });
    await engine.close();
    await store.close();
  });

  it('holds a namespace to namespaceLimits across its workflows', async () => {
    home = tempHome();
    const store = home.open();
    const engine = engineOn(store, { worker: { pollMs: 20 }, namespaceLimits: { test: 2 } });
    let running = 0;
    let most = 0;
    engine.registerFunction('step', async () => {
      most = Math.max(most, ++running);
      await tick(5);
      running--;
      return {};
    });
    const flow = (name: string) =>
      JSON.stringify({
        document: { dsl: '1.0.0', namespace: 'test', name, version: '1.0.0' },
        do: [{ s: { call: 'step' } }],
      });
    await engine.register(flow('one'));
    await engine.register(flow('two'));
    const handles = [];
    for (let n = 0; n < 8; n++) {
      handles.push(await engine.start({ namespace: 'test', name: n % 2 ? 'one' : 'two' }, {}));
    }
    await engine.serve();
    const outcomes = await Promise.all(handles.map((h) => h.outcome));
    expect(outcomes.map((o) => o.status)).toEqual(Array(8).fill('completed'));
    expect(most).toBe(2);
    await engine.close();
    await store.close();
  }, 30_000);

  it('refuses a start whose key does not evaluate, 422 naming the field; overrides the priority', async () => {
    home = tempHome();
    const store = home.open();
    const engine = engineOn(store);
    engine.registerFunction('work', () => ({}));
    await engine.register(limited({}));
    const ref = { namespace: 'test', name: 'lim' };
    await expect(engine.start(ref, { n: 1 })).rejects.toMatchObject({
      problem: { status: 422, field: '/limits/concurrency/0/key' },
    });
    const h = await engine.start(ref, { customer: 'a', n: 1 }, { priority: 9 });
    expect((await store.getExecution(h.id))?.priority).toBe(9);
    await engine.close();
    await store.close();
  });
});
