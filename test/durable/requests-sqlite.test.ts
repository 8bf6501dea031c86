// Requests from another process on SQLite: a process that does not serve the file (the
// CLI beside `weft worker`) opens it with worker.claimedOnly, records cancel, suspend and
// resume in the store, and the serving process carries them out (claims.ts, remote.ts).
// Two engines on one file here stand for the two processes.
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/history/events.js';
import type { DurableEngine } from '../../src/runtime/durable/engine.js';
import { approved, plainListen } from './events-helpers.js';
import { closedAfterEach, doc, engineOn, type Home, tempHome, tick, until } from './helpers.js';

let home: Home;
const open = closedAfterEach(() => home);

const steps = doc('steps', [
  { a: { call: 'gate', with: { step: 'a' } } },
  { b: { call: 'gate', with: { step: 'b' } } },
]);

/** The serving process: `gate` records each call and waits for release(step). */
async function server(pollMs = 20) {
  const store = home.open();
  const engine = engineOn(store, { worker: { pollMs } });
  const calls: string[] = [];
  const aborted: string[] = [];
  const gates = new Map<string, () => void>();
  engine.registerFunction('gate', async (args, ctx) => {
    const step = (args as { step: string }).step;
    calls.push(step);
    ctx.signal.addEventListener('abort', () => aborted.push(step));
    await new Promise<void>((r) => gates.set(step, r));
    return { done: step } as Json;
  });
  const [ref] = await engine.register(steps);
  await engine.serve();
  open.push({ engine, store });
  const release = async (step: string) => {
    await until(() => gates.has(step), `the call of ${step}`);
    gates.get(step)!();
  };
  return { engine, ref: ref!, calls, aborted, release };
}

/** The other process: drives nothing it did not claim. */
function visitor() {
  const store = home.open();
  const engine = engineOn(store, { worker: { claimedOnly: true, pollMs: 20 } });
  open.push({ engine, store });
  return engine;
}

/** A fresh file, its serving process in the first call of `steps`, and a visitor. */
async function inFirstCall() {
  home = tempHome();
  const s = await server();
  const { id } = await s.engine.start(s.ref, {});
  await until(() => s.calls.length === 1, 'the first call');
  return { s, id, v: visitor() };
}

const types = async (e: DurableEngine, id: string) =>
  (await e.history(id)).map((r) => r.event.type);

describe('requests to the process serving a SQLite file', () => {
  it('cancel: the serving process ends the execution; its call in flight is aborted, not run again', async () => {
    const { s, id, v } = await inFirstCall();
    await v.cancel(id, 'not needed');
    const handle = (await v.handle(id))!;
    expect(await handle.outcome).toEqual({ status: 'cancelled', reason: 'not needed' });
    expect(s.calls).toEqual(['a']);
    expect(s.aborted).toEqual(['a']);
    const history = await types(v, id);
    expect(history.filter((t) => t === 'ExecutionCancelRequested')).toHaveLength(1);
    expect(history.at(-1)).toBe('ExecutionCancelled');
    expect(history).not.toContain('TaskCompleted');
  });

  it('suspend and resume: the serving process holds the step and goes on; no call runs twice', async () => {
    const { s, id, v } = await inFirstCall();
    await v.suspend(id);
    expect((await v.get(id))?.status.state).toBe('suspended');
    // the serving process follows at its next claim round: the call in flight goes on,
    // and its outcome is held
    await until(async () => (await s.engine.get(id))?.status.state === 'suspended', 'suspended');
    await tick(100); // a few of the server's claim rounds
    await s.release('a');
    await tick(100);
    expect(s.calls).toEqual(['a']);
    expect(await types(v, id)).toEqual(['ExecutionStarted', 'TaskStarted']);

    await v.resume(id);
    await s.release('b');
    const handle = (await v.handle(id))!;
    expect(await handle.outcome).toEqual({ status: 'completed', output: { done: 'b' } });
    expect(s.calls).toEqual(['a', 'b']);
    expect(s.aborted).toEqual([]);
  });

  it('cancel of a suspended execution ends it', async () => {
    const { s, id, v } = await inFirstCall();
    await v.suspend(id);
    await until(async () => (await s.engine.get(id))?.status.state === 'suspended', 'suspended');
    await v.cancel(id);
    const handle = (await v.handle(id))!;
    expect(await handle.outcome).toEqual({ status: 'cancelled' });
    expect(s.calls).toEqual(['a']);
  });

  it('cancel of an execution unloaded while it waits for a timer ends it', async () => {
    home = tempHome();
    const store = home.open();
    const engine = engineOn(store, {
      worker: { pollMs: 20, unloadAfterMs: 200, reloadAheadMs: 100 },
    });
    const [ref] = await engine.register(doc('hour', [{ w: { wait: { hours: 1 } } }]));
    await engine.serve();
    open.push({ engine, store });
    const { id } = await engine.start(ref!, {});
    await until(() => engine.liveCount === 0, 'the execution to unload');

    const v = visitor();
    await v.cancel(id);
    expect(await (await v.handle(id))!.outcome).toEqual({ status: 'cancelled' });
  });

  it('cancel of a parent: the serving process cancels the child it drives too', async () => {
    home = tempHome();
    const s = await server();
    const [parentRef] = await s.engine.register(
      doc('parent', [
        { c: { run: { workflow: { namespace: 'test', name: 'steps', version: '1.0.0' } } } },
      ]),
    );
    const { id } = await s.engine.start(parentRef!, {});
    await until(() => s.calls.length === 1, "the child's first call");
    const childId = (await s.engine.list({ states: ['running'] })).items.find(
      (r) => r.parentId === id,
    )?.id;
    expect(childId).toBeDefined();

    const v = visitor();
    await v.cancel(id, 'not needed');
    expect(await (await v.handle(id))!.outcome).toEqual({
      status: 'cancelled',
      reason: 'not needed',
    });
    expect((await (await v.handle(childId!))!.outcome).status).toBe('cancelled');
    expect(s.calls).toEqual(['a']);
    expect(s.aborted).toEqual(['a']);
  });

  it('wakes the serving process with the commits beside it, not at its next poll', async () => {
    home = tempHome();
    const s = await server(60_000); // only the store's watch of data_version wakes it
    const v = visitor();
    v.registerFunction('gate', () => ({}));
    await v.register(steps);
    const h = await v.start(s.ref, {});
    await s.release('a');
    await until(() => s.calls.length === 2, 'the second call');
    await v.cancel(h.id, 'enough');
    expect(await h.outcome).toEqual({ status: 'cancelled', reason: 'enough' });
    expect(s.calls).toEqual(['a', 'b']);
    expect(s.aborted).toEqual(['b']);
  });

  it('delivers an event published beside it to a listen, without waiting for its event poll', async () => {
    home = tempHome();
    const store = home.open();
    const engine = engineOn(store, { worker: { pollMs: 60_000 }, eventPollMs: 60_000 });
    const [ref] = await engine.register(plainListen);
    await engine.serve();
    open.push({ engine, store });
    const h = await engine.start(ref!, {});
    await until(async () => (await types(engine, h.id)).includes('ListenStarted'), 'the listen');
    await visitor().publish(approved('from-the-cli'));
    expect(await h.result()).toEqual([{ id: 'from-the-cli' }]);
  });

  it('the visitor drives nothing: an execution it starts waits for the serving process', async () => {
    home = tempHome();
    const s = await server();
    const v = visitor();
    v.registerFunction('gate', () => {
      throw new Error('the visitor called gate');
    });
    await v.register(steps);
    const h = await v.start(s.ref, {});
    expect(v.liveCount).toBe(0);
    await s.release('a');
    await s.release('b');
    expect(await h.outcome).toEqual({ status: 'completed', output: { done: 'b' } });
    expect(s.calls).toEqual(['a', 'b']);
  });
});
