// A worker whose own lease lapsed (renewals late: a CPU starved past leaseMs) and that
// claims the run item back before anyone else keeps its runner: the call in flight is not
// run again. When another worker held the item in between, the runner is rebuilt from the
// history instead (what it computed may be stale). On PostgreSQL, where claims lapse.
import { expect, it } from 'vitest';
import { DurableEngine } from '../../src/runtime/durable/engine.js';
import { admin, describePg, pgUnavailable, schemaPerTest, until } from '../store/pg-helpers.js';
import { doc } from './helpers.js';

const reason = await pgUnavailable();

describePg('claiming back a lapsed lease', reason, () => {
  const db = schemaPerTest(reason);

  async function runUntilCallInFlight() {
    const store = await db.store();
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
});
