import { afterEach, describe, expect, it } from 'vitest';
import type { Json } from '../../src/history/events.js';
import { type Home, doc, engineOn, tempHome, tick } from './helpers.js';

let home: Home;
afterEach(() => home?.remove());

const chain = doc('chain', [
  { a: { call: 'inc', with: { n: '${ .n }' }, output: { as: '${ { n: .n } }' } } },
  { b: { call: 'inc', with: { n: '${ .n }' }, output: { as: '${ { n: .n } }' } } },
  { c: { call: 'inc', with: { n: '${ .n }' }, output: { as: '${ { n: .n } }' } } },
]);

describe('durable engine on SQLite', () => {
  it('runs an execution to its end and records every step in the store', async () => {
    home = tempHome();
    const store = home.open();
    const engine = engineOn(store);
    const keys: string[] = [];
    engine.registerFunction('inc', (args, ctx) => {
      keys.push(ctx.idempotencyKey);
      return { n: (args as { n: number }).n + 1 };
    });
    await engine.register(chain);
    const handle = await engine.start({ namespace: 'test', name: 'chain' }, { n: 1 });
    expect(await handle.result()).toEqual({ n: 4 });
    const record = await engine.get(handle.id);
    expect(record?.status).toEqual({ state: 'completed', output: { n: 4 } });
    const types = (await engine.history(handle.id)).map((r) => r.event.type);
    expect(types).toEqual([
      'ExecutionStarted',
      'TaskStarted',
      'TaskCompleted',
      'TaskStarted',
      'TaskCompleted',
      'TaskStarted',
      'TaskCompleted',
      'ExecutionCompleted',
    ]);
    expect(new Set(keys).size).toBe(3);
    await store.close();
  });

  it('resumes an interrupted execution in a new engine without re-running recorded effects', async () => {
    home = tempHome();
    const calls: string[] = [];
    let store = home.open();
    let engine = engineOn(store);
    let hang = true;
    const inc = (args: Json, ctx: { idempotencyKey: string; signal: AbortSignal }) => {
      calls.push(ctx.idempotencyKey);
      if (hang && calls.length === 2) return new Promise<Json>(() => undefined);
      return { n: (args as { n: number }).n + 1 };
    };
    engine.registerFunction('inc', inc);
    await engine.register(chain);
    const first = await engine.start({ namespace: 'test', name: 'chain' }, { n: 1 });
    while (calls.length < 2) await tick(5);
    await engine.close(); // as if the process died: the second call is in flight
    await store.close();
    hang = false;
    store = home.open();
    engine = engineOn(store);
    engine.registerFunction('inc', inc);
    const { resumed } = await engine.recover();
    expect(resumed).toEqual([first.id]);
    const handle = await engine.handle(first.id);
    expect(await handle!.result()).toEqual({ n: 4 });
    // a: once; b: in flight at the "crash", so again with the same key; c: once
    expect(calls.length).toBe(4);
    expect(calls[1]).toBe(calls[2]);
    expect(new Set(calls).size).toBe(3);
    await store.close();
  });

  it('returns the same execution for a repeated idempotency key and refuses other input', async () => {
    home = tempHome();
    const store = home.open();
    const engine = engineOn(store);
    engine.registerFunction('inc', (args) => ({ n: (args as { n: number }).n + 1 }));
    await engine.register(chain);
    const ref = { namespace: 'test', name: 'chain' };
    const a = await engine.start(ref, { n: 1 }, { idempotencyKey: 'k1' });
    const b = await engine.start(ref, { n: 1 }, { idempotencyKey: 'k1' });
    expect(b.id).toBe(a.id);
    expect([a.created, b.created]).toEqual([true, false]);
    await expect(engine.start(ref, { n: 2 }, { idempotencyKey: 'k1' })).rejects.toMatchObject({
      problem: { status: 409 },
    });
    expect(await b.result()).toEqual({ n: 4 });
    await store.close();
  });
});

describe('durable engine API', () => {
  it('numbers committed events in history:appended and pages history after a sequence number', async () => {
    home = tempHome();
    const store = home.open();
    const engine = engineOn(store);
    engine.registerFunction('inc', (args) => ({ n: (args as { n: number }).n + 1 }));
    await engine.register(chain);
    const seen: { firstSeq?: number; types: string[] }[] = [];
    engine.on('history:appended', ({ firstSeq, events }) =>
      seen.push({ ...(firstSeq ? { firstSeq } : {}), types: events.map((e) => e.type) }),
    );
    const h = await engine.start({ namespace: 'test', name: 'chain' }, { n: 0 });
    await h.result();
    expect(seen.map((s) => s.firstSeq)).toEqual([2, 3, 5, 7]);
    expect(seen.at(-1)!.types).toEqual(['TaskCompleted', 'ExecutionCompleted']);
    const after = await engine.history(h.id, 6);
    expect(after.map((r) => [r.seq, r.event.type])).toEqual([
      [7, 'TaskCompleted'],
      [8, 'ExecutionCompleted'],
    ]);
    const page = await engine.list({ states: ['completed'] });
    expect(page.items.map((r) => r.id)).toEqual([h.id]);
    await store.close();
  });

  it('refuses to start an unknown workflow and to suspend an unknown execution, naming them', async () => {
    home = tempHome();
    const store = home.open();
    const engine = engineOn(store);
    await expect(engine.start({ namespace: 'test', name: 'nope' }, {})).rejects.toThrow(
      /workflow test\/nope is not registered/,
    );
    await expect(engine.suspend('missing-id')).rejects.toMatchObject({
      problem: { status: 404, detail: 'execution missing-id does not exist' },
    });
    await store.close();
  });
});
