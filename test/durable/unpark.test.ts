// engine.unpark (POST /executions/{id}/resume, `weft executions resume ID`): a parked
// execution runs again once its cause is fixed. It is recovered from its history (the call
// in flight when it was parked runs again, with the same idempotency key), admitted again
// under its workflow's limits, parked again when it fails the same way, and anything not
// parked is refused with a 409 problem. Crashes are engine.close() on the same SQLite
// file, as in recovery.test.ts.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Json } from '../../src/history/events.js';
import type { DurableEngine } from '../../src/runtime/durable/engine.js';
import type { WeftFunction } from '../../src/runtime/functions.js';
import type { Store } from '../../src/store/types.js';
import { until } from '../store/pg-helpers.js';
import { type Home, doc, engineOn, tempHome } from './helpers.js';

let home: Home;
afterEach(() => home?.remove());

const hang = () => new Promise<Json>(() => undefined);
const limits = { maxRecoveryAttempts: 1 };

function engineWith(store: Store, call: WeftFunction): DurableEngine {
  const engine = engineOn(store, { limits, worker: { pollMs: 20 } });
  engine.registerFunction('flaky', call);
  return engine;
}

/** Starts `workflow` with `call` hanging, then crashes twice during the recovery of its
 *  call: with maxRecoveryAttempts 1 the third process parks it as dead-letter. */
async function deadLettered(workflow: string, keys: string[], input: Json = {}): Promise<string> {
  const hanging: WeftFunction = (_args, ctx) => {
    keys.push(ctx.idempotencyKey);
    return hang();
  };
  let store = home.open();
  let engine = engineWith(store, hanging);
  const [ref] = await engine.register(workflow);
  await engine.serve(); // claims (admits) it when its workflow has limits
  const { id } = await engine.start(ref!, input);
  await until(async () => keys.length === 1, 'the call');
  for (let i = 0; i < 2; i++) {
    await engine.close();
    await store.close();
    store = home.open();
    engine = engineWith(store, hanging);
    await engine.recover();
  }
  expect((await store.getExecution(id))?.status).toMatchObject({
    state: 'parked',
    reason: 'dead-letter',
  });
  await engine.close();
  await store.close();
  return id;
}

describe('unpark', () => {
  it('runs a dead-lettered execution again once its call is fixed, with the same key', async () => {
    home = tempHome();
    const keys: string[] = [];
    const id = await deadLettered(doc('deadly', [{ a: { call: 'flaky' } }]), keys);
    expect(keys).toHaveLength(2); // the first run and the first recovery

    const store = home.open();
    const engine = engineWith(store, (_args, ctx) => {
      keys.push(ctx.idempotencyKey);
      return { fixed: true };
    });
    await engine.serve();
    await engine.unpark(id);
    const record = await engine.get(id);
    expect(record?.status).toEqual({ state: 'running' });
    expect(record?.recoveryAttempts).toBe(0);
    expect(await (await engine.handle(id))!.result()).toEqual({ fixed: true });
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    const types = (await engine.history(id)).map((r) => r.event.type);
    expect(types).toEqual([
      'ExecutionStarted',
      'TaskStarted',
      'TaskCompleted',
      'ExecutionCompleted',
    ]);

    await expect(engine.unpark(id)).rejects.toMatchObject({
      problem: { title: 'Execution not parked', status: 409 },
    });
    await expect(engine.unpark('nope')).rejects.toMatchObject({ problem: { status: 404 } });
    await engine.close();
    await store.close();
  });

  it('parks it again when it fails the same way (a replay that still does not match)', async () => {
    home = tempHome();
    let store = home.open();
    let engine = engineWith(store, hang);
    const [ref] = await engine.register(doc('det', [{ a: { call: 'flaky' } }]));
    const { id } = await engine.start(ref!, {});
    await until(async () => (await engine.history(id)).length === 2, 'TaskStarted');
    await engine.close();
    await store.close();
    const db = new Database(home.path);
    db.prepare(`UPDATE workflows SET source = ? WHERE name = 'det'`).run(
      doc('det', [{ other: { call: 'flaky' } }]),
    );
    db.close();
    store = home.open();
    engine = engineWith(store, hang);
    expect(await engine.recover()).toEqual({ resumed: [], parked: [id] });
    await engine.serve();
    await engine.unpark(id);
    await until(
      async () => (await engine.get(id))?.status.state === 'parked',
      'the execution parked again',
    );
    expect((await engine.get(id))?.status).toMatchObject({ reason: 'determinism' });
    await engine.close();
    await store.close();
  });

  it("waits for room under its workflow's concurrency limit, as it gave its slot up", async () => {
    home = tempHome();
    const limited = JSON.stringify({
      document: { dsl: '1.0.0', namespace: 'test', name: 'limited', version: '1.0.0' },
      limits: { concurrency: [{ limit: 1 }] },
      do: [{ a: { call: 'flaky', with: { who: '${ .who }' } } }],
    });
    const id = await deadLettered(limited, [], { who: 'parked' });

    const store = home.open();
    let open: (() => void) | undefined;
    const calls: string[] = [];
    const engine = engineWith(store, (args) => {
      const who = (args as { who: string }).who;
      calls.push(who);
      if (who !== 'other') return { who };
      return new Promise<Json>((resolve) => (open = () => resolve({ who })));
    });
    await engine.serve();
    // the slot the parked execution gave up goes to another execution
    const other = await engine.start({ namespace: 'test', name: 'limited' }, { who: 'other' });
    await until(async () => open !== undefined, 'the other execution to run');
    await engine.unpark(id);
    const handle = await engine.handle(id); // an attach before the claim does not drive it
    await new Promise((r) => setTimeout(r, 200)); // ten claim rounds
    expect(calls).toEqual(['other']);
    expect((await store.getExecution(id))?.status).toEqual({ state: 'running' });
    open!();
    expect(await other.result()).toEqual({ who: 'other' });
    expect(await handle!.result()).toEqual({ who: 'parked' });
    expect(calls).toEqual(['other', 'parked']);
    await engine.close();
    await store.close();
  });
});
