// Crash and restart inside one test process: engine.close() stops an engine as a dying
// process would (effects in flight are dropped, nothing is ended), and a new engine on the
// same SQLite file recovers. The chaos test (chaos.test.ts) does it with real SIGKILLs.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryEvent, Json } from '../../src/history/events.js';
import { ManualClock } from '../../src/runtime/clock.js';
import type { DurableEngine } from '../../src/runtime/durable/engine.js';
import type { Store } from '../../src/store/types.js';
import { type Home, doc, engineOn, tempHome, tick } from './helpers.js';

let home: Home;
afterEach(() => home?.remove());

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await tick(5);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function events(engine: DurableEngine, id: string): Promise<HistoryEvent[]> {
  return (await engine.history(id)).map((r) => r.event);
}

async function crash(engine: DurableEngine, store: Store): Promise<void> {
  await engine.close();
  await store.close();
}

/** Six processes in a row recover the store and die at once, a call of `hang` in flight:
 *  the first five resume `id`, the sixth parks it as dead-letter. */
async function expectParkedAtTheSixth(id: string): Promise<void> {
  const outcomes: { resumed: string[]; parked: string[] }[] = [];
  for (let i = 0; i < 6; i++) {
    const store = home.open();
    const engine = engineOn(store);
    engine.registerFunction('hang', () => new Promise<Json>(() => undefined));
    outcomes.push(await engine.recover());
    await crash(engine, store);
  }
  expect(outcomes.slice(0, 5).every((o) => o.resumed[0] === id)).toBe(true);
  expect(outcomes[5]).toEqual({ resumed: [], parked: [id] });
}

const waits = doc('waits', [
  { w: { wait: { milliseconds: 300 } } },
  { s: { set: { done: true } } },
]);

describe('recovery', () => {
  it('fires a timer that came due while no process ran, once and not early', async () => {
    home = tempHome();
    let store = home.open();
    let engine = engineOn(store);
    await engine.register(waits);
    const h = await engine.start({ namespace: 'test', name: 'waits' }, {});
    await until(
      async () => (await events(engine, h.id)).some((e) => e.type === 'TimerStarted'),
      'TimerStarted',
    );
    const timer = (await events(engine, h.id)).find((e) => e.type === 'TimerStarted');
    if (timer?.type !== 'TimerStarted') throw new Error('no timer');
    expect(await store.dueTimers(timer.fireAt, 10)).toMatchObject([
      { executionId: h.id, key: `timer:${timer.effectId}`, dueAt: timer.fireAt },
    ]);
    await crash(engine, store);
    await tick(350);
    store = home.open();
    engine = engineOn(store);
    expect((await engine.recover()).resumed).toEqual([h.id]);
    const handle = await engine.handle(h.id);
    expect(await handle!.result()).toEqual({ done: true });
    const fired = (await events(engine, h.id)).filter((e) => e.type === 'TimerFired');
    expect(fired).toHaveLength(1);
    expect(fired[0]!.time).toBeGreaterThanOrEqual(timer.fireAt);
    expect(await store.dueTimers(timer.fireAt + 10_000, 10)).toEqual([]);
    await store.close();
  });

  it('never fires a timer early when the process restarts before it is due', async () => {
    home = tempHome();
    let store = home.open();
    let engine = engineOn(store);
    await engine.register(waits);
    const h = await engine.start({ namespace: 'test', name: 'waits' }, {});
    await until(
      async () => (await events(engine, h.id)).some((e) => e.type === 'TimerStarted'),
      'TimerStarted',
    );
    await crash(engine, store);
    store = home.open();
    engine = engineOn(store);
    await engine.recover();
    await (await engine.handle(h.id))!.result();
    const history = await events(engine, h.id);
    const started = history.find((e) => e.type === 'TimerStarted');
    const fired = history.filter((e) => e.type === 'TimerFired');
    expect(fired).toHaveLength(1);
    expect(started?.type === 'TimerStarted' && fired[0]!.time >= started.fireAt).toBe(true);
    await store.close();
  });

  it('delivers a child execution result to its parent exactly once across a crash', async () => {
    home = tempHome();
    let store = home.open();
    let engine = engineOn(store);
    let hang = true;
    const calls: string[] = [];
    const slow = (args: Json, ctx: { idempotencyKey: string }) => {
      calls.push(ctx.idempotencyKey);
      return hang ? new Promise<Json>(() => undefined) : { got: args };
    };
    engine.registerFunction('slow', slow);
    await engine.register(doc('child', [{ s: { call: 'slow', with: { x: 1 } } }]));
    await engine.register(
      doc('parent', [
        { c: { run: { workflow: { namespace: 'test', name: 'child', version: '1.0.0' } } } },
      ]),
    );
    const parent = await engine.start({ namespace: 'test', name: 'parent' }, {});
    await until(async () => calls.length === 1, 'the child call');
    const childId = (await events(engine, parent.id)).find((e) => e.type === 'ChildStarted');
    if (childId?.type !== 'ChildStarted') throw new Error('no ChildStarted');
    expect((await engine.get(childId.childExecutionId))?.parentId).toBe(parent.id);
    await crash(engine, store);
    hang = false;
    store = home.open();
    engine = engineOn(store);
    engine.registerFunction('slow', slow);
    const { resumed } = await engine.recover();
    expect(resumed.sort()).toEqual([parent.id, childId.childExecutionId].sort());
    expect(await (await engine.handle(parent.id))!.result()).toEqual({ got: { x: 1 } });
    const completed = (await events(engine, parent.id)).filter((e) => e.type === 'ChildCompleted');
    expect(completed).toHaveLength(1);
    expect(calls).toEqual([calls[0], calls[0]]);
    await store.close();
  });

  it('starts a child whose workflow only the store knows: the resuming process never registered it', async () => {
    home = tempHome();
    let store = home.open();
    let engine = engineOn(store);
    let hang = true;
    const gate = () => (hang ? new Promise<Json>(() => undefined) : { open: true });
    engine.registerFunction('gate', gate);
    await engine.register(doc('child', [{ s: { set: { fromChild: '${ .open }' } } }]));
    await engine.register(
      doc('parent', [
        { g: { call: 'gate' } },
        {
          c: {
            run: {
              workflow: {
                namespace: 'test',
                name: 'child',
                version: '1.0.0',
                input: { open: '${ .open }' },
              },
            },
          },
        },
      ]),
    );
    const parent = await engine.start({ namespace: 'test', name: 'parent' }, {});
    await until(
      async () => (await events(engine, parent.id)).some((e) => e.type === 'TaskStarted'),
      'the gate call',
    );
    await crash(engine, store);
    hang = false;
    // a new process: it registers its functions, no workflow (as `weft resume` or a worker)
    store = home.open();
    engine = engineOn(store);
    engine.registerFunction('gate', gate);
    await engine.recover();
    expect(await (await engine.handle(parent.id))!.result()).toEqual({ fromChild: true });
    await store.close();
  });

  it('starts the latest version in the store for a `latest` child, though another process registered it', async () => {
    home = tempHome();
    const store = home.open();
    const engine = engineOn(store);
    let open: ((value: Json) => void) | undefined;
    engine.registerFunction('gate', () => new Promise<Json>((resolve) => (open = resolve)));
    await engine.register(doc('child', [{ s: { set: { version: 1 } } }], '1.0.0'));
    await engine.register(
      doc('parent', [
        { g: { call: 'gate' } },
        { c: { run: { workflow: { namespace: 'test', name: 'child', version: 'latest' } } } },
      ]),
    );
    const parent = await engine.start({ namespace: 'test', name: 'parent' }, {});
    await until(async () => open !== undefined, 'the gate call');
    // another process (a server's API) registers version 2 in the same store meanwhile
    const otherStore = home.open();
    const other = engineOn(otherStore);
    await other.register(doc('child', [{ s: { set: { version: 2 } } }], '2.0.0'));
    await other.close();
    await otherStore.close();
    open!({});
    expect(await parent.result()).toEqual({ version: 2 });
    const started = (await events(engine, parent.id)).find((e) => e.type === 'ChildStarted');
    if (started?.type !== 'ChildStarted') throw new Error('no ChildStarted');
    expect((await engine.get(started.childExecutionId))?.workflow.version).toBe('2.0.0');
    await store.close();
  });

  it('learns the outcome of an execution whose load failed midway, once another process ends it', async () => {
    home = tempHome();
    let store = home.open();
    let engine = engineOn(store);
    await engine.register(doc('sleeps', [{ w: { wait: { hours: 1 } } }]));
    const { id } = await engine.start({ namespace: 'test', name: 'sleeps' }, {});
    await crash(engine, store);
    // a process whose store fails the history read once (it went away mid-load)
    store = home.open();
    let failures = 1;
    const flaky = new Proxy(store, {
      get(target, key, receiver) {
        if (key === 'loadHistory' && failures-- > 0)
          return () => Promise.reject(new Error('connection lost'));
        const v = Reflect.get(target, key, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    engine = engineOn(flaky);
    await expect(engine.handle(id)).rejects.toThrow(/connection lost/);
    // another process ends it
    const otherStore = home.open();
    const other = engineOn(otherStore, { worker: { claimedOnly: true } });
    await other.terminate(id, 'ended elsewhere');
    await other.close();
    await otherStore.close();
    // before: the failed load's Live stayed in the map, with no runner and unwatched, and
    // this handle waited forever
    const h = await engine.handle(id);
    const outcome = await Promise.race([h!.outcome, tick(4000).then(() => 'still waiting')]);
    expect(outcome).toMatchObject({ status: 'cancelled' });
    await crash(engine, store);
  });

  it('cancels the children of a cancelled parent', async () => {
    home = tempHome();
    const store = home.open();
    const engine = engineOn(store);
    await engine.register(doc('child', [{ w: { wait: { hours: 1 } } }]));
    await engine.register(
      doc('parent', [
        { c: { run: { workflow: { namespace: 'test', name: 'child', version: '1.0.0' } } } },
      ]),
    );
    const parent = await engine.start({ namespace: 'test', name: 'parent' }, {});
    await until(
      async () => (await events(engine, parent.id)).some((e) => e.type === 'ChildStarted'),
      'ChildStarted',
    );
    const started = (await events(engine, parent.id)).find((e) => e.type === 'ChildStarted');
    if (started?.type !== 'ChildStarted') throw new Error('no ChildStarted');
    await until(
      async () =>
        (await events(engine, started.childExecutionId)).some((e) => e.type === 'TimerStarted'),
      'the child timer',
    );
    await engine.cancel(parent.id, 'stop');
    expect(await parent.outcome).toEqual({ status: 'cancelled', reason: 'stop' });
    await until(
      async () => (await engine.get(started.childExecutionId))?.status.state === 'cancelled',
      'the child cancelled',
    );
    await store.close();
  });

  it('parks an execution whose replay does not match its history, and serves the others', async () => {
    home = tempHome();
    let store = home.open();
    let engine = engineOn(store);
    const hang = () => new Promise<Json>(() => undefined);
    engine.registerFunction('hang', hang);
    await engine.register(doc('det', [{ a: { call: 'hang' } }]));
    await engine.register(waits);
    const bad = await engine.start({ namespace: 'test', name: 'det' }, {});
    const good = await engine.start({ namespace: 'test', name: 'waits' }, {});
    await until(async () => (await events(engine, bad.id)).length === 2, 'TaskStarted');
    await crash(engine, store);
    // the stored document changes under the same hash: replay schedules another task
    const db = new Database(home.path);
    db.prepare(`UPDATE workflows SET source = ? WHERE name = 'det'`).run(
      doc('det', [{ other: { call: 'hang' } }]),
    );
    db.close();
    store = home.open();
    engine = engineOn(store);
    engine.registerFunction('hang', hang);
    const { resumed, parked } = await engine.recover();
    expect(parked).toEqual([bad.id]);
    expect(resumed).toEqual([good.id]);
    const status = (await engine.get(bad.id))?.status;
    expect(status).toMatchObject({ state: 'parked', reason: 'determinism' });
    expect(status?.state === 'parked' && status.detail).toMatch(/\/do\/0\/a/);
    expect(await (await engine.handle(good.id))!.result()).toEqual({ done: true });
    await store.close();
  });

  it('parks an execution as dead-letter after too many recoveries without progress', async () => {
    home = tempHome();
    let store = home.open();
    let engine = engineOn(store);
    await engine.register(waits);
    const h = await engine.start({ namespace: 'test', name: 'waits' }, {});
    await crash(engine, store);
    store = home.open();
    // five recoveries that died before making progress (the counter is bumped before replay)
    for (let i = 0; i < 5; i++) await store.noteRecoveryAttempt(h.id, Date.now());
    engine = engineOn(store);
    expect(await engine.recover()).toEqual({ resumed: [], parked: [h.id] });
    expect((await engine.get(h.id))?.status).toMatchObject({
      state: 'parked',
      reason: 'dead-letter',
      detail: expect.stringMatching(/maxRecoveryAttempts = 5/) as unknown,
    });
    await engine.cancel(h.id, 'given up');
    expect((await engine.get(h.id))?.status).toEqual({ state: 'cancelled', reason: 'given up' });
    await store.close();
  });

  it('starts the recovery count again once a recovered call survives the grace, not when the process stops first', async () => {
    home = tempHome();
    let store = home.open();
    let engine = engineOn(store);
    const hang = () => new Promise<Json>(() => undefined);
    engine.registerFunction('hang', hang);
    await engine.register(doc('hangs', [{ h: { call: 'hang' } }]));
    const h = await engine.start({ namespace: 'test', name: 'hangs' }, {});
    await until(
      async () => (await events(engine, h.id)).some((e) => e.type === 'TaskStarted'),
      'the call',
    );
    const recover = async () => {
      await crash(engine, store);
      store = home.open();
      const clock = new ManualClock(Date.now());
      engine = engineOn(store, { clock, limits: { recoveryGraceMs: 2000 } });
      engine.registerFunction('hang', hang);
      expect(await engine.recover()).toEqual({ resumed: [h.id], parked: [] });
      return clock;
    };
    // recovered (1), then stopped within the grace: it still counts, also once the grace
    // would have passed: the stopped engine's timer is cancelled (a live one kept the
    // process of a stopped `weft worker` alive for the grace, 2 s)
    const first = await recover();
    expect((await engine.get(h.id))?.recoveryAttempts).toBe(1);
    expect(first.pending).toBeGreaterThan(0);
    await engine.close();
    expect(first.pending).toBe(0);
    first.advance(2000);
    await tick(20);
    expect((await store.getExecution(h.id))?.recoveryAttempts).toBe(1);
    // recovered again (2), and alive past the grace with its call in flight: back to 0
    const second = await recover();
    expect((await engine.get(h.id))?.recoveryAttempts).toBe(2);
    second.advance(2000);
    await until(async () => (await engine.get(h.id))?.recoveryAttempts === 0, 'the reset');
    await crash(engine, store);
  });

  it('does not park a waiting execution when the process dies again and again right after recovery', async () => {
    home = tempHome();
    let store = home.open();
    let engine = engineOn(store);
    await engine.register(doc('sleeps', [{ w: { wait: { hours: 1 } } }]));
    const h = await engine.start({ namespace: 'test', name: 'sleeps' }, {});
    await crash(engine, store);
    // twice the dead-letter bound of restarts, each dying at once (well within the grace)
    for (let i = 0; i < 10; i++) {
      store = home.open();
      engine = engineOn(store);
      expect(await engine.recover()).toEqual({ resumed: [h.id], parked: [] });
      await crash(engine, store);
    }
    store = home.open();
    expect((await store.getExecution(h.id))?.recoveryAttempts).toBe(0);
    expect((await store.getExecution(h.id))?.status).toEqual({ state: 'running' });
    await store.close();
  });

  it('parks as dead-letter an execution whose call in flight dies with the process every time', async () => {
    home = tempHome();
    let store = home.open();
    const engine = engineOn(store);
    const hang = () => new Promise<Json>(() => undefined);
    engine.registerFunction('hang', hang);
    await engine.register(doc('deadly', [{ a: { call: 'hang' } }]));
    const h = await engine.start({ namespace: 'test', name: 'deadly' }, {});
    await until(async () => (await events(engine, h.id)).length === 2, 'TaskStarted');
    await crash(engine, store);
    await expectParkedAtTheSixth(h.id);
    store = home.open();
    expect((await store.getExecution(h.id))?.status).toMatchObject({ reason: 'dead-letter' });
    await store.close();
  });

  it('parks as dead-letter a call that kills the process after its execution was unloaded once', async () => {
    // The run item of an execution that came back from the store keeps its mark
    // (`unloaded`): a restart's claim of it then looked like a reload and was not counted,
    // so a call that killed the process every time ran forever.
    home = tempHome();
    const store = home.open();
    const hang = () => new Promise<Json>(() => undefined);
    const engine = engineOn(store, {
      worker: { unloadAfterMs: 200, reloadAheadMs: 100, pollMs: 20 },
    });
    engine.registerFunction('hang', hang);
    await engine.register(
      doc('napThenDie', [{ w: { wait: { milliseconds: 600 } } }, { a: { call: 'hang' } }]),
    );
    await engine.serve();
    const h = await engine.start({ namespace: 'test', name: 'napThenDie' }, {});
    await until(async () => engine.liveCount === 0, 'the unload');
    await until(
      async () => (await events(engine, h.id)).some((e) => e.type === 'TaskStarted'),
      'the call',
    );
    await crash(engine, store);
    await expectParkedAtTheSixth(h.id);
  });

  it('holds a suspended execution until it is resumed, also across a restart', async () => {
    home = tempHome();
    let store = home.open();
    let engine = engineOn(store);
    let release: (v: Json) => void = () => undefined;
    engine.registerFunction('gate', () => new Promise<Json>((r) => (release = r)));
    await engine.register(doc('gated', [{ g: { call: 'gate' } }, { s: { set: { ok: 1 } } }]));
    const h = await engine.start({ namespace: 'test', name: 'gated' }, {});
    await until(async () => (await events(engine, h.id)).length === 2, 'TaskStarted');
    await engine.suspend(h.id);
    release({ opened: true });
    await tick(50);
    expect((await engine.get(h.id))?.status).toEqual({ state: 'suspended' });
    expect((await events(engine, h.id)).map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStarted',
    ]);
    await crash(engine, store);
    store = home.open();
    engine = engineOn(store);
    engine.registerFunction('gate', () => ({ opened: 'again' }));
    await engine.recover();
    await tick(50);
    expect((await engine.get(h.id))?.status).toEqual({ state: 'suspended' });
    await engine.resume(h.id);
    expect(await (await engine.handle(h.id))!.result()).toEqual({ ok: 1 });
    await store.close();
  });
});

describe('recovery of a cancellation', () => {
  it('cancels, after a restart, the child of a parent whose cancel request was recorded before the crash', async () => {
    home = tempHome();
    let store = home.open();
    let engine = engineOn(store);
    await engine.register(doc('child', [{ w: { wait: { hours: 1 } } }]));
    await engine.register(
      doc('parent', [
        { c: { run: { workflow: { namespace: 'test', name: 'child', version: '1.0.0' } } } },
      ]),
    );
    const parent = await engine.start({ namespace: 'test', name: 'parent' }, {});
    await until(
      async () => (await events(engine, parent.id)).some((e) => e.type === 'ChildStarted'),
      'ChildStarted',
    );
    const started = (await events(engine, parent.id)).find((e) => e.type === 'ChildStarted');
    if (started?.type !== 'ChildStarted') throw new Error('no ChildStarted');
    await crash(engine, store);
    // the cancel request reached the history, then the process died before acting on it
    store = home.open();
    const head = await store.getExecution(parent.id);
    await store.commit({
      now: Date.now(),
      writes: [
        {
          executionId: parent.id,
          expectedNextSeq: head!.nextSeq,
          events: [{ v: 1, type: 'ExecutionCancelRequested', time: Date.now(), reason: 'stop' }],
        },
      ],
    });
    engine = engineOn(store);
    await engine.recover();
    expect(await (await engine.handle(parent.id))!.outcome).toEqual({
      status: 'cancelled',
      reason: 'stop',
    });
    await until(
      async () => (await engine.get(started.childExecutionId))?.status.state === 'cancelled',
      'the child cancelled',
    );
    await store.close();
  });
});
