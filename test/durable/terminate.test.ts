// Terminate (src/runtime/durable/terminate.ts): an execution ends at once, without its
// finally blocks, whoever drives it; its children in flight end too.
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/history/events.js';
import type { DurableEngine } from '../../src/runtime/durable/engine.js';
import { ProblemError } from '../../src/runtime/problems.js';
import { closedAfterEach, doc, engineOn, type Home, tempHome, tick, until } from './helpers.js';

let home: Home;
const open = closedAfterEach(() => home);

/** A work step, then a finally block whose cleanup call hangs until released. */
const stuck = doc('stuck', [
  {
    guarded: {
      try: [{ work: { call: 'hang', with: { step: 'work' } } }],
      finally: [{ cleanup: { call: 'hang', with: { step: 'cleanup' } } }],
    },
  },
]);

/** An engine on the test's file whose `hang` records each call and its abort. */
function engineWith(options: Parameters<typeof engineOn>[1] = {}) {
  const store = home.open();
  const engine = engineOn(store, options);
  const calls: string[] = [];
  const aborted: string[] = [];
  const release = new Map<string, () => void>();
  engine.registerFunction('hang', async (args, ctx) => {
    const step = (args as { step: string }).step;
    calls.push(step);
    ctx.signal.addEventListener('abort', () => aborted.push(step));
    await new Promise<void>((r) => release.set(step, r));
    return { done: step } as Json;
  });
  open.push({ engine, store });
  return { engine, calls, aborted, release };
}

const types = async (e: DurableEngine, id: string) =>
  (await e.history(id)).map((r) => r.event.type);

describe('terminate', () => {
  it('ends an execution whose cancel waits on a finally block, aborting the call in flight', async () => {
    home = tempHome();
    const { engine, calls, aborted } = engineWith();
    const [ref] = await engine.register(stuck);
    const h = await engine.start(ref!, {});
    await until(() => calls.length === 1, 'the work call');
    await engine.cancel(h.id, 'stop');
    await until(() => calls.length === 2, 'the cleanup call');
    await tick(50);
    expect((await engine.get(h.id))?.status.state).toBe('running'); // the finally block holds it

    const record = await engine.terminate(h.id, 'stuck in cleanup');
    expect(record.status).toEqual({ state: 'cancelled', reason: 'stuck in cleanup' });
    expect(await h.outcome).toEqual({ status: 'cancelled', reason: 'stuck in cleanup' });
    expect(aborted).toContain('cleanup');
    const last = (await engine.history(h.id)).at(-1)?.event;
    expect(last).toMatchObject({
      type: 'ExecutionCancelled',
      terminated: true,
      reason: 'stuck in cleanup',
    });
    expect(calls).toEqual(['work', 'cleanup']);
  });

  it('ends an execution another engine drives; that engine records nothing more of it', async () => {
    home = tempHome();
    const driver = engineWith({ worker: { pollMs: 20 } });
    const [ref] = await driver.engine.register(stuck);
    await driver.engine.serve();
    const h = await driver.engine.start(ref!, {});
    await until(() => driver.calls.length === 1, 'the work call');

    const other = engineWith({ worker: { claimedOnly: true, pollMs: 20 } });
    const record = await other.engine.terminate(h.id);
    expect(record.status).toEqual({ state: 'cancelled' });
    const before = await types(other.engine, h.id);
    expect(before.at(-1)).toBe('ExecutionCancelled');
    // the call the driver has in flight ends: its outcome is refused, never recorded
    driver.release.get('work')!();
    await tick(150);
    expect(await types(other.engine, h.id)).toEqual(before);
    expect(driver.calls).toEqual(['work']);
    expect(await h.outcome).toEqual({ status: 'cancelled' });
  });

  it('the serving engine lets go of an execution another process terminated while it waited', async () => {
    home = tempHome();
    const driver = engineWith({ worker: { pollMs: 20 } });
    const [ref] = await driver.engine.register(
      doc('listens', [{ wait: { listen: { to: { one: { with: { type: 'never.sent' } } } } } }]),
    );
    await driver.engine.serve();
    const h = await driver.engine.start(ref!, {});
    await until(
      async () => (await types(driver.engine, h.id)).includes('ListenStarted'),
      'the listen',
    );
    expect(driver.engine.liveCount).toBe(1);

    const other = engineWith({ worker: { claimedOnly: true } });
    await other.engine.terminate(h.id, 'nobody will answer');
    // no commit of the driver's is refused (it only waits): its check of ended executions,
    // every 10 polls, finds it
    await until(() => driver.engine.liveCount === 0, 'the driver to let go');
    expect(await h.outcome).toEqual({ status: 'cancelled', reason: 'nobody will answer' });
  });

  it('ends the child in flight, and leaves an execution that ended as it was', async () => {
    home = tempHome();
    const { engine, calls } = engineWith();
    await engine.register(stuck);
    const [parentRef] = await engine.register(
      doc('parent', [
        { c: { run: { workflow: { namespace: 'test', name: 'stuck', version: '1.0.0' } } } },
      ]),
    );
    const h = await engine.start(parentRef!, {});
    await until(() => calls.length === 1, "the child's call");
    const child = (await engine.list({ states: ['running'] })).items.find(
      (r) => r.parentId === h.id,
    )!;

    await engine.terminate(h.id, 'enough');
    expect((await engine.get(child.id))?.status).toEqual({
      state: 'cancelled',
      reason: 'its parent was terminated',
    });
    expect((await engine.history(child.id)).at(-1)?.event).toMatchObject({ terminated: true });

    // ended already: nothing is written
    const events = (await types(engine, h.id)).length;
    expect((await engine.terminate(h.id, 'again')).status).toEqual({
      state: 'cancelled',
      reason: 'enough',
    });
    expect((await types(engine, h.id)).length).toBe(events);
    expect(calls).toEqual(['work']); // no finally block ran
  });

  it('ends a parked execution, and names an unknown one', async () => {
    home = tempHome();
    const { engine } = engineWith();
    const [ref] = await engine.register(doc('parks', [{ w: { wait: { hours: 1 } } }]));
    const { id } = await engine.start(ref!, {});
    await until(async () => (await types(engine, id)).includes('TimerStarted'), 'the timer');
    const store = open[0]!.store;
    await store.commit({
      now: Date.now(),
      writes: [
        {
          executionId: id,
          expectedNextSeq: (await store.getExecution(id))!.nextSeq,
          status: { state: 'parked', reason: 'dead-letter', detail: 'test' },
        },
      ],
    });
    expect((await engine.terminate(id)).status).toEqual({ state: 'cancelled' });

    const missing = await engine.terminate('nope').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ProblemError);
    expect((missing as ProblemError).problem).toMatchObject({
      status: 404,
      detail: 'execution nope does not exist',
    });
  });
});
