import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/index.js';
import { type Home, doc, engineOn, tempHome } from './helpers.js';

let home: Home;
afterEach(() => home?.remove());

describe('limits', () => {
  it('faults a chain of sub-workflows deeper than maxDepth, naming the limit and the task', async () => {
    home = tempHome();
    const store = home.open();
    const engine = engineOn(store, { limits: { maxDepth: 3 } });
    await engine.register(
      doc('rec', [
        { again: { run: { workflow: { namespace: 'test', name: 'rec', version: '1.0.0' } } } },
      ]),
    );
    const h = await engine.start({ namespace: 'test', name: 'rec' }, {});
    const o = await h.outcome;
    expect(o.status).toBe('faulted');
    expect(JSON.stringify(o)).toMatch(/4 levels deep \(limit maxDepth = 3\) at \/do\/0\/again/);
    await store.close();
  });

  it('faults an execution whose effect result is larger than the payload limit', async () => {
    home = tempHome();
    const store = openSqliteStore({ path: home.path, limits: { maxPayloadBytes: 1000 } });
    const engine = engineOn(store);
    engine.registerFunction('big', () => ({ text: 'x'.repeat(5000) }));
    await engine.register(doc('big', [{ b: { call: 'big' } }]));
    const h = await engine.start({ namespace: 'test', name: 'big' }, {});
    const o = await h.outcome;
    expect(o).toMatchObject({
      status: 'faulted',
      error: { title: 'Limit exceeded', limit: 'maxPayloadBytes', max: 1000, status: 413 },
    });
    expect((await engine.get(h.id))?.status.state).toBe('faulted');
    await store.close();
  });

  it('refuses to start an execution whose input is larger than the payload limit', async () => {
    home = tempHome();
    const store = openSqliteStore({ path: home.path, limits: { maxPayloadBytes: 1000 } });
    const engine = engineOn(store);
    await engine.register(doc('small', [{ s: { set: { a: 1 } } }]));
    await expect(
      engine.start({ namespace: 'test', name: 'small' }, { text: 'x'.repeat(5000) }),
    ).rejects.toMatchObject({ problem: { status: 413, limit: 'maxPayloadBytes' } });
    await store.close();
  });
});
