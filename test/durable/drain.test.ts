// engine.close({ drainMs }): a stopping worker lets its calls in flight finish and records
// their outcomes, launching nothing new, so the next process runs each call once; without
// a drain the call in flight is aborted and runs again. A second close() ends a drain.
import { afterEach, describe, expect, it } from 'vitest';
import type { Json } from '../../src/history/events.js';
import type { DurableEngine } from '../../src/runtime/durable/engine.js';
import type { Store } from '../../src/store/index.js';
import { until } from '../store/pg-helpers.js';
import { type Home, doc, engineOn, tempHome, tick } from './helpers.js';

let home: Home | undefined;
afterEach(() => home?.remove());

const twoCalls = doc('two', [
  { a: { call: 'slow', with: { step: 'a' } } },
  { b: { call: 'slow', with: { step: 'b' } } },
]);

/** An engine whose `slow` records each call and waits for `release()` (or not at all). */
function engineWith(store: Store, calls: string[], wait: boolean) {
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => (release = r));
  const aborted: string[] = [];
  const engine: DurableEngine = engineOn(store);
  engine.registerFunction('slow', async (args, ctx) => {
    const step = (args as { step: string }).step;
    calls.push(step);
    ctx.signal.addEventListener('abort', () => aborted.push(step));
    if (wait) await released;
    return { done: step } as Json;
  });
  return { engine, store, release, aborted };
}

/** A fresh home, and an engine on it whose execution of `twoCalls` is in its first call. */
async function inFirstCall(calls: string[]) {
  home = tempHome();
  const first = engineWith(home.open(), calls, true);
  const [ref] = await first.engine.register(twoCalls);
  const { id } = await first.engine.start(ref!, {});
  await until(() => calls.length === 1, 'the first call');
  return { first, id };
}

async function history(engine: DurableEngine, id: string): Promise<string[]> {
  return (await engine.history(id)).map((r) => r.event.type);
}

describe('close with a drain', () => {
  it('lets the call in flight finish and records it, launching nothing new', async () => {
    const calls: string[] = [];
    const { first, id } = await inFirstCall(calls);
    let store = first.store;

    let closed = false;
    const closing = first.engine.close({ drainMs: 60_000 }).then(() => (closed = true));
    await tick(50);
    expect(closed).toBe(false); // waiting for the call
    first.release();
    await closing;
    expect(calls).toEqual(['a']); // b is recorded as started, not launched here
    expect(first.aborted).toEqual([]);
    expect(await history(first.engine, id)).toEqual([
      'ExecutionStarted',
      'TaskStarted',
      'TaskCompleted',
      'TaskStarted',
    ]);
    await store.close();

    store = home!.open();
    const next = engineWith(store, calls, false);
    expect((await next.engine.recover()).resumed).toEqual([id]);
    expect(await (await next.engine.handle(id))!.result()).toEqual({ done: 'b' });
    expect(calls).toEqual(['a', 'b']); // each call once
    await next.engine.close();
    await store.close();
  });

  it('without a drain aborts the call in flight, which the next process runs again', async () => {
    const calls: string[] = [];
    const { first, id } = await inFirstCall(calls);
    let store = first.store;
    await first.engine.close();
    expect(first.aborted).toEqual(['a']);
    await store.close();

    store = home!.open();
    const next = engineWith(store, calls, false);
    await next.engine.recover();
    expect(await (await next.engine.handle(id))!.result()).toEqual({ done: 'b' });
    expect(calls).toEqual(['a', 'a', 'b']);
    await next.engine.close();
    await store.close();
  });

  it('ends a drain at once on a second close(), aborting what is still in flight', async () => {
    const calls: string[] = [];
    const { first } = await inFirstCall(calls); // never released
    const store = first.store;
    const draining = first.engine.close({ drainMs: 600_000 });
    await tick(20);
    await Promise.all([first.engine.close(), draining]);
    expect(first.aborted).toEqual(['a']);
    await store.close();
  });
});
