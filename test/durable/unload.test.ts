// Unloading (issue 4, timers): while a worker serves, an execution that only waits for a
// timer far enough away leaves memory; its run item waits in the store, due shortly before
// the timer, and the worker attaches it again from its history then. Whoever awaited it
// (a handle) still gets its outcome.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveWorkerOptions } from '../../src/runtime/durable/claims.js';
import { type Home, doc, engineOn, tempHome, tick, until } from './helpers.js';

let home: Home;
afterEach(() => home?.remove());

function runItems(path: string): { payload: string | null; claimed_by: string | null }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(`SELECT payload, claimed_by FROM work WHERE key = 'run'`).all() as {
      payload: string | null;
      claimed_by: string | null;
    }[];
  } finally {
    db.close();
  }
}

describe('unloading executions that wait for a timer', () => {
  it('takes waiting executions out of memory and finishes them from the store when due', async () => {
    home = tempHome();
    const store = home.open();
    const engine = engineOn(store, { worker: { unloadAfterMs: 400, reloadAheadMs: 100 } });
    await engine.register(
      doc('nap', [{ w: { wait: { milliseconds: 1500 } } }, { s: { set: { n: '${ .n }' } } }]),
    );
    await engine.serve();
    const handles = await Promise.all(
      Array.from({ length: 20 }, (_, n) => engine.start({ namespace: 'test', name: 'nap' }, { n })),
    );
    for (let i = 0; i < 200 && engine.liveCount > 0; i++) await tick(10);
    // none is in memory now: each waits in the store, unclaimed, marked as unloaded
    expect(engine.liveCount).toBe(0);
    const items = runItems(home.path);
    expect(items).toHaveLength(20);
    expect(items.every((i) => i.claimed_by === null && i.payload === '{"unloaded":true}')).toBe(
      true,
    );
    const outputs = await Promise.all(handles.map((h) => h.result()));
    expect(outputs).toEqual(Array.from({ length: 20 }, (_, n) => ({ n })));
    for (const h of handles) {
      const record = await engine.get(h.id);
      // coming back from the store is not a recovery: nothing counted towards dead-letter
      expect(record?.recoveryAttempts).toBe(0);
      const types = (await engine.history(h.id)).map((r) => r.event.type);
      expect(types.filter((t) => t === 'TimerFired')).toHaveLength(1);
      // the timer fired at or after its time, never early
      const hist = (await engine.history(h.id)).map((r) => r.event);
      const started = hist.find((e) => e.type === 'TimerStarted');
      const fired = hist.find((e) => e.type === 'TimerFired');
      if (started?.type !== 'TimerStarted' || !fired) throw new Error('no timer events');
      expect(fired.time).toBeGreaterThanOrEqual(started.fireAt);
    }
    await engine.close();
    await store.close();
  });

  it('keeps nothing in memory for an unloaded execution nobody here awaits (recovered after a restart)', async () => {
    home = tempHome();
    let store = home.open();
    let engine = engineOn(store);
    await engine.register(doc('nap', [{ w: { wait: { hours: 1 } } }]));
    for (let n = 0; n < 20; n++) await engine.start({ namespace: 'test', name: 'nap' }, { n });
    // the process (it did not serve: nothing unloaded) dies with all 20 waiting; the next
    // one serves the store and recovers them
    await engine.close();
    await store.close();
    store = home.open();
    engine = engineOn(store, { worker: { unloadAfterMs: 400, reloadAheadMs: 100 } });
    const { resumed } = await engine.serve();
    expect(resumed).toHaveLength(20);
    // what the engine keeps per execution it knows (the Attacher's map of Lives)
    const known = () =>
      (engine as unknown as { attacher: { live: Map<string, unknown> } }).attacher.live.size;
    for (let i = 0; i < 400 && (engine.liveCount > 0 || known() > 0); i++) await tick(10);
    expect(engine.liveCount).toBe(0);
    expect(known()).toBe(0);
    // each waits in the store for its timer, its run item unclaimed and marked unloaded
    // (the runner goes first, the unload commit follows)
    const unloaded = () =>
      runItems(home.path).filter((i) => i.claimed_by === null && i.payload === '{"unloaded":true}');
    for (let i = 0; i < 400 && unloaded().length < 20; i++) await tick(10);
    expect(runItems(home.path)).toHaveLength(20);
    expect(unloaded()).toHaveLength(20);
    await engine.close();
    await store.close();
  });

  // claimedOnly: this process drives only what it claims, so a handle that asks late
  // watches the store; otherwise it reads the store once (Attacher.outcomeOf)
  it.each([false, true])(
    'keeps nothing in memory for an execution started here whose handle never asked, and still answers it (claimedOnly %s)',
    async (claimedOnly) => {
      home = tempHome();
      const store = home.open();
      const engine = engineOn(store, {
        worker: { unloadAfterMs: 300, reloadAheadMs: 100, claimedOnly },
      });
      await engine.register(
        doc('nap', [{ w: { wait: { milliseconds: 1500 } } }, { s: { set: { n: '${ .n }' } } }]),
      );
      await engine.serve();
      // started the way the HTTP API starts them: the handle is not asked for an outcome
      const handles = await Promise.all(
        Array.from({ length: 10 }, (_, n) =>
          engine.start({ namespace: 'test', name: 'nap' }, { n }),
        ),
      );
      const known = () =>
        (engine as unknown as { attacher: { live: Map<string, unknown> } }).attacher.live.size;
      for (let i = 0; i < 100 && known() > 0; i++) await tick(10);
      expect(engine.liveCount).toBe(0);
      expect(known()).toBe(0);
      // still waiting in the store (due 100 ms before their 1.5 s timer): none ended yet
      for (const h of handles) expect((await engine.get(h.id))?.status.state).toBe('running');
      // half ask while their executions wait in the store, half once they have ended
      const early = handles.slice(0, 5).map((h) => h.result());
      for (const h of handles.slice(5)) {
        await until(
          async () => (await engine.get(h.id))?.status.state === 'completed',
          `${h.id} completed`,
        );
      }
      expect(await Promise.all(early)).toEqual([0, 1, 2, 3, 4].map((n) => ({ n })));
      expect(await Promise.all(handles.slice(5).map((h) => h.result()))).toEqual(
        [5, 6, 7, 8, 9].map((n) => ({ n })),
      );
      await engine.close();
      await store.close();
    },
  );

  it('keeps an execution whose timer is nearer than unloadAfterMs in memory', async () => {
    home = tempHome();
    const store = home.open();
    const engine = engineOn(store, { worker: { unloadAfterMs: 60_000, reloadAheadMs: 100 } });
    await engine.register(doc('short', [{ w: { wait: { seconds: 30 } } }]));
    await engine.serve();
    const h = await engine.start({ namespace: 'test', name: 'short' }, {});
    for (let i = 0; i < 200; i++) {
      if ((await engine.history(h.id)).some((r) => r.event.type === 'TimerStarted')) break;
      await tick(10);
    }
    await tick(50);
    expect(engine.liveCount).toBe(1);
    expect(runItems(home.path)[0]?.payload).toBeNull();
    await engine.cancel(h.id);
    await engine.close();
    await store.close();
  });

  it('cancels an unloaded execution', async () => {
    home = tempHome();
    const store = home.open();
    const engine = engineOn(store, { worker: { unloadAfterMs: 400, reloadAheadMs: 100 } });
    await engine.register(doc('long', [{ w: { wait: { hours: 1 } } }]));
    await engine.serve();
    const h = await engine.start({ namespace: 'test', name: 'long' }, {});
    for (let i = 0; i < 200 && engine.liveCount > 0; i++) await tick(10);
    expect(engine.liveCount).toBe(0);
    await engine.cancel(h.id, 'enough');
    expect(await h.outcome).toEqual({ status: 'cancelled', reason: 'enough' });
    expect((await engine.get(h.id))?.status).toEqual({ state: 'cancelled', reason: 'enough' });
    await engine.close();
    await store.close();
  });

  it('refuses an unload threshold that is not above the reload lead', () => {
    expect(() => resolveWorkerOptions({ unloadAfterMs: 100, reloadAheadMs: 100 })).toThrow(
      /worker.unloadAfterMs \(100\) must be 0 or more than worker.reloadAheadMs \(100\)/,
    );
  });
});
