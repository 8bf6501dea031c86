// A claim that arrives while the execution is being attached (a parent's child effect
// loading its child, as a worker's claim round takes the child's lapsed run item): one
// runner drives the execution, and every effect is recorded once. The claim used to drop
// the Live whose load was still under way; that load went on driving it outside the map,
// and the next attach built a second runner beside it (the multi-process chaos test,
// 2026-11-26: a child's first step written twice). Here on SQLite with `claimedOnly`, so
// that claims decide who drives, as on PostgreSQL; a store whose history reads wait for a
// gate holds the load at that point.
import { afterEach, describe, expect, it } from 'vitest';
import type { Attacher, Live } from '../../src/runtime/durable/attach.js';
import type { Store } from '../../src/store/types.js';
import { type Home, doc, engineOn, tempHome, tick, until } from './helpers.js';

let home: Home;
afterEach(() => home?.remove());

/** `store`, whose loadHistory waits while `gate.closed` is set. */
function gated(store: Store, gate: { closed?: Promise<void> }): Store {
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      if (key !== 'loadHistory') return value.bind(target) as unknown;
      return async (...args: unknown[]) => {
        if (gate.closed) await gate.closed;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const workflow = doc('race', [
  { a: { call: 'slow', with: { n: 1 } } },
  { b: { call: 'slow', with: { n: 2 } } },
]);
const slow = async (args: unknown) => {
  await tick(30);
  return args as Record<string, number>;
};

/**
 * An execution created by a process that does not drive it, and an engine that claims its
 * run item (as a worker's claim round does), on a store whose history reads wait at `gate`.
 */
async function setUp(gate: { closed?: Promise<void> }) {
  home = tempHome('weft-attach-race-');
  const creator = engineOn(home.open(), { worker: { claimedOnly: true } });
  creator.registerFunction('slow', slow);
  await creator.register(workflow);
  const { id } = await creator.start({ namespace: 'test', name: 'race' }, {});
  await creator.close();
  const engine = engineOn(gated(home.open(), gate), { worker: { claimedOnly: true } });
  engine.registerFunction('slow', slow);
  await engine.register(workflow);
  const attacher = (engine as unknown as { attacher: Attacher }).attacher;
  const map = (attacher as unknown as { live: Map<string, Live> }).live;
  expect((await engine.claims.claim(10)).map((i) => i.executionId)).toEqual([id]);
  const recorded = async () => {
    const history = (await engine.history(id)).map((r) => r.event);
    const per = (type: string) =>
      history.filter((e) => e.type === type).map((e) => (e as { effectId: number }).effectId);
    return {
      started: per('TaskStarted'),
      completed: per('TaskCompleted'),
      ends: history.filter((e) => e.type === 'ExecutionCompleted').length,
    };
  };
  return { id, engine, attacher, map, recorded };
}

const done = { status: 'completed', output: { n: 2 } };

describe('a claim during an attach', () => {
  it('waits for the load under way: one runner, each effect recorded once, every Live handed out settles', async () => {
    const gate: { closed?: Promise<void> } = {};
    let open!: () => void;
    gate.closed = new Promise<void>((resolve) => (open = resolve));
    const { id, engine, attacher, map, recorded } = await setUp(gate);

    const first = attacher.attach(id, false); // a parent's child effect: stops at the gate
    await until(() => map.has(id), 'the attach to keep its Live');
    const claimed = attacher.claimed(id, false); // the claim round meets the load under way
    await tick(20);
    open();
    gate.closed = undefined;
    const lives = [await first, await claimed, await attacher.attach(id, false)];
    const outcomes = await Promise.all(lives.map((l) => l!.outcome));
    for (const o of outcomes) expect(o).toEqual(done);
    expect(await recorded()).toEqual({ started: [0, 1], completed: [0, 1], ends: 1 });
    await engine.close();
  });

  it('a runner that a later load of the execution superseded writes nothing more, and its Live learns the outcome from the store', async () => {
    const { id, engine, attacher, map, recorded } = await setUp({});
    const first = (await attacher.attach(id, false))!;
    const stale = first.runner!;
    // the Live leaves the map while its runner goes on (what the claim race above did), so
    // the next attach builds a second runner beside it
    map.delete(id);
    const second = (await attacher.attach(id, false))!;
    expect(second).not.toBe(first);
    expect(second.runner).not.toBe(stale);
    for (const l of [first, second]) expect(await l.outcome).toEqual(done);
    // the stale runner's first step after the second load was refused: it stopped as lost
    expect(stale.detached).toBe(true);
    expect(await recorded()).toEqual({ started: [0, 1], completed: [0, 1], ends: 1 });
    await engine.close();
  });
});
