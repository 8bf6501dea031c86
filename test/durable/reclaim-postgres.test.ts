// A worker whose own lease lapsed (renewals late: a CPU starved past leaseMs) and that
// claims the run item back before anyone else keeps its runner: the call in flight is not
// run again. When another worker held the item in between, the runner is rebuilt from the
// history instead (what it computed may be stale). On PostgreSQL, where claims lapse.
import { expect, it } from 'vitest';
import { DurableEngine } from '../../src/runtime/durable/engine.js';
import type { Store } from '../../src/store/types.js';
import { admin, describePg, pgUnavailable, schemaPerTest, until } from '../store/pg-helpers.js';
import { doc, tick } from './helpers.js';

const reason = await pgUnavailable();

describePg('claiming back a lapsed lease', reason, () => {
  const db = schemaPerTest(reason);

  async function runUntilCallInFlight(wrap: (store: Store) => Store = (s) => s) {
    const store = wrap(await db.store());
    let calls = 0;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const engine = db.keep(
      new DurableEngine({
        store,
        env: {},
        // renewals every 20 s: none during the test, so the lease is what the test says
        worker: { name: 'w1', leaseMs: 60_000, pollMs: 50 },
      }),
    );
    engine.registerFunction('slow', async () => {
      calls++;
      await gate;
      return { done: true };
    });
    await engine.register(doc('reclaim', [{ a: { call: 'slow' } }]));
    await engine.serve();
    const handle = await engine.start({ namespace: 'test', name: 'reclaim' }, {});
    await until(() => calls === 1, 'the call to start');
    const fence = async () =>
      Number(
        (
          await admin<{ fence: string }>(
            `SELECT fence FROM "${db.schema}".work WHERE execution_id = $1 AND key = 'run'`,
            [handle.id],
          )
        )[0]!.fence,
      );
    return { engine, handle, open, calls: () => calls, fence };
  }

  /** The run item's lease lapses now, last held by `holder`. */
  const lapse = (id: string, holder: string) =>
    admin(
      `UPDATE "${db.schema}".work SET claimed_by = $2, lease_until = 1, available_at = 1
       WHERE execution_id = $1 AND key = 'run'`,
      [id, holder],
    );

  it('keeps the runner when it takes its own lapsed lease back: the call in flight runs once', async () => {
    const run = await runUntilCallInFlight();
    const before = await run.fence();
    await lapse(run.handle.id, 'w1');
    await until(async () => (await run.fence()) !== before, 'the worker to claim it back');
    run.open();
    expect(await run.handle.result()).toEqual({ done: true });
    expect(run.calls()).toBe(1);
    const types = (await run.engine.history(run.handle.id)).map((r) => r.event.type);
    expect(types.filter((t) => t === 'TaskStarted')).toHaveLength(1);
    expect(types.filter((t) => t === 'TaskCompleted')).toHaveLength(1);
    // the step after the claim carried the new fencing token: the store took it
    expect((await run.engine.get(run.handle.id))?.status.state).toBe('completed');
  });

  it('rebuilds the runner from history when another worker held the item in between', async () => {
    const run = await runUntilCallInFlight();
    const before = await run.fence();
    await lapse(run.handle.id, 'w2');
    await until(async () => (await run.fence()) !== before, 'the worker to claim it');
    await until(() => run.calls() === 2, 'the rebuilt runner to run the call in flight again');
    run.open();
    expect(await run.handle.result()).toEqual({ done: true });
    const types = (await run.engine.history(run.handle.id)).map((r) => r.event.type);
    // relaunched with its recorded start: no second TaskStarted, one result
    expect(types.filter((t) => t === 'TaskStarted')).toHaveLength(1);
    expect(types.filter((t) => t === 'TaskCompleted')).toHaveLength(1);
  });

  it('rebuilds instead while a commit with the old fencing token is on its way; a handle that asks meanwhile gets the outcome', async () => {
    // commits wait at this gate while it is armed
    let held: Promise<void> | undefined;
    let release!: () => void;
    const gated = (store: Store): Store =>
      new Proxy(store, {
        get(target, key) {
          const value: unknown = Reflect.get(target, key, target);
          if (typeof value !== 'function') return value;
          if (key !== 'commit') return value.bind(target) as unknown;
          return async (...args: unknown[]) => {
            const wait = held;
            held = undefined; // one commit only
            if (wait) await wait;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    const run = await runUntilCallInFlight(gated);
    // a first lapse: the worker now holds the item with a fencing token its commits carry
    let fence = await run.fence();
    await lapse(run.handle.id, 'w1');
    await until(async () => (await run.fence()) !== fence, 'the first claim back');
    fence = await run.fence();
    // the call ends; its step's commit (with that token) waits at the gate
    held = new Promise<void>((resolve) => (release = resolve));
    run.open();
    await until(() => held === undefined, 'the step to reach the store');
    await lapse(run.handle.id, 'w1');
    await until(async () => (await run.fence()) !== fence, 'the second claim back');
    // the claim's rebuild waits for that commit; the handle asks for the outcome meanwhile
    // (its Live, dropped by the claim, comes back into the map)
    const asked = run.handle.result();
    await tick(50);
    release(); // refused now: the item's token is newer
    const result = await Promise.race([asked, tick(8000).then(() => 'stalled')]);
    expect(result).toEqual({ done: true });
    // rebuilt from history: the call whose result was refused ran again, and is recorded once
    expect(run.calls()).toBe(2);
    const types = (await run.engine.history(run.handle.id)).map((r) => r.event.type);
    expect(types.filter((t) => t === 'TaskStarted')).toHaveLength(1);
    expect(types.filter((t) => t === 'TaskCompleted')).toHaveLength(1);
  });
});
