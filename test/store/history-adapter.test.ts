import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../src/history/events.js';
import type { HistoryStore } from '../../src/runtime/history-store.js';
import {
  NotFoundError,
  StoreHistoryAdapter,
  openSqliteStore,
  type SqliteStore,
} from '../../src/store/index.js';
import { T0, newExecution, taskCompleted, taskStarted, workflow } from './fixtures.js';

let store: SqliteStore;
beforeEach(() => {
  store = openSqliteStore({ path: ':memory:' });
});
afterEach(() => store.close());

const wf = workflow();
const started = (id: string) => newExecution(id, wf).startedEvent;
const adapter = () =>
  new StoreHistoryAdapter(store, { now: () => T0, workflowSource: () => wf.source });

describe('StoreHistoryAdapter (the runtime history seam on a Store)', () => {
  it('fits the runtime HistoryStore seam', () => {
    const seam: HistoryStore = adapter();
    expect(typeof seam.append).toBe('function');
  });

  it('starts the execution from ExecutionStarted and reads the history back', async () => {
    const history = adapter();
    await history.append('e1', [started('e1'), taskStarted(0)]);
    await history.append('e1', [taskCompleted(0, 'ok')]);
    const events = await history.load('e1');
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStarted', 'TaskCompleted']);
    expect((await store.getWorkflow(wf))?.hash).toBe(wf.hash);
    expect(await history.load('unknown')).toEqual([]);
  });

  it('keeps the order of concurrent appends to one execution and merges them', async () => {
    const history = adapter();
    await history.append('e1', [started('e1')]);
    const before = store.stats.operations;
    await Promise.all([0, 1, 2, 3, 4].map((i) => history.append('e1', [taskStarted(i)])));
    const effectIds = (await history.load('e1'))
      .slice(1)
      .map((e) => (e as { effectId: number }).effectId);
    expect(effectIds).toEqual([0, 1, 2, 3, 4]);
    // The first append commits alone; the four that waited go together.
    expect(store.stats.operations - before).toBe(2);
  });

  it('sets the status when the execution completes', async () => {
    const history = adapter();
    const done: HistoryEvent = { type: 'ExecutionCompleted', v: 1, time: T0, output: { total: 3 } };
    await history.append('e1', [started('e1'), done]);
    expect((await store.getExecution('e1'))?.status).toEqual({
      state: 'completed',
      output: { total: 3 },
    });
  });

  it('rejects a first append that does not start with ExecutionStarted', async () => {
    await expect(adapter().append('e1', [taskStarted(0)])).rejects.toThrow(
      /execution e1: its history must start with ExecutionStarted, not TaskStarted/,
    );
  });

  it('fails the start of a workflow version the store does not know and cannot register', async () => {
    const history = new StoreHistoryAdapter(store, { now: () => T0 });
    await expect(history.append('e1', [started('e1')])).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses a second start under an idempotency key that started another execution', async () => {
    const history = adapter();
    const keyed = (id: string) =>
      newExecution(id, wf, { idempotencyKey: 'k', input: 1 }).startedEvent;
    await history.append('e1', [keyed('e1')]);
    await expect(history.append('e2', [keyed('e2')])).rejects.toThrow(
      /already started execution e1/,
    );
  });
});
