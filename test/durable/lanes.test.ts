// The durable engine's writer (src/runtime/durable/lanes.ts) on a real SQLite store: a
// runner's steps go where the history it replayed ends, and only the runner the history was
// last loaded for writes. Two runners of one child in one worker once both wrote its first
// step, the second at the seq after the first's (multi-process chaos test, 2026-11-26).
import { afterEach, describe, expect, it } from 'vitest';
import { StoreLanes } from '../../src/runtime/durable/lanes.js';
import { StaleRunnerError, lost } from '../../src/runtime/durable/failures.js';
import { SequenceMismatchError } from '../../src/store/errors.js';
import type { Store } from '../../src/store/types.js';
import { T0, seed, taskCompleted, taskStarted } from '../store/fixtures.js';
import { type Home, tempHome } from './helpers.js';

let home: Home;
let store: Store;
afterEach(async () => {
  await store?.close();
  home?.remove();
});

async function open(): Promise<StoreLanes> {
  home = tempHome('weft-lanes-');
  store = home.open();
  await seed(store, ['e1']);
  return new StoreLanes(store, { now: () => T0 });
}

async function types(): Promise<string[]> {
  return (await store.loadHistory('e1')).map((r) => `${r.seq}:${r.event.type}`);
}

describe('StoreLanes', () => {
  it("refuses the appends of a runner whose execution was loaded again for another, and writes the newer runner's at its history's end", async () => {
    const lanes = await open();
    const first = {};
    const second = {};
    expect(await lanes.load('e1', first)).toHaveLength(1);
    expect(await lanes.load('e1', second)).toHaveLength(1);
    const stale = lanes.append('e1', [taskStarted(0)], { runner: first });
    await expect(stale).rejects.toBeInstanceOf(StaleRunnerError);
    await expect(stale).rejects.toThrow(/execution e1: this runner's history was loaded again/);
    expect(lost(await stale.catch((e: unknown) => e))).toBe(true);
    expect(await lanes.append('e1', [taskStarted(0)], { runner: second })).toBe(2);
    expect(await types()).toEqual(['1:ExecutionStarted', '2:TaskStarted']);
  });

  it('continues a history loaded after a step from where that history ends', async () => {
    const lanes = await open();
    const first = {};
    await lanes.load('e1', first);
    expect(await lanes.append('e1', [taskStarted(0)], { runner: first })).toBe(2);
    const second = {};
    expect((await lanes.load('e1', second)).map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStarted',
    ]);
    expect(await lanes.append('e1', [taskCompleted(0)], { runner: second })).toBe(3);
    await expect(lanes.append('e1', [taskCompleted(0)], { runner: first })).rejects.toBeInstanceOf(
      StaleRunnerError,
    );
    expect(await types()).toEqual(['1:ExecutionStarted', '2:TaskStarted', '3:TaskCompleted']);
  });

  it("reads the history after an earlier runner's step in flight, so the next runner does not write past it", async () => {
    const lanes = await open();
    const first = {};
    await lanes.load('e1', first);
    const inFlight = lanes.append('e1', [taskStarted(0)], { runner: first });
    const second = {};
    const history = await lanes.load('e1', second);
    expect(await inFlight).toBe(2);
    expect(history.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStarted']);
    expect(await lanes.append('e1', [taskCompleted(0)], { runner: second })).toBe(3);
  });

  it('refuses a step computed from a stale history and does not write it later from a number read anew', async () => {
    const lanes = await open();
    const runner = {};
    await lanes.load('e1', runner);
    // another writer appends behind this process's back
    await store.commit({
      now: T0,
      writes: [{ executionId: 'e1', expectedNextSeq: 2, events: [taskStarted(0)] }],
    });
    const refused = lanes.append('e1', [taskStarted(0)], { runner });
    await expect(refused).rejects.toBeInstanceOf(SequenceMismatchError);
    // the lane is lost: a later step of the same runner is not written at seq 3
    await expect(lanes.append('e1', [taskCompleted(0)], { runner })).rejects.toBeInstanceOf(
      StaleRunnerError,
    );
    expect(await types()).toEqual(['1:ExecutionStarted', '2:TaskStarted']);
  });

  it('a runner never loaded here has no lane to write through; statuses without a runner still go', async () => {
    const lanes = await open();
    await expect(lanes.append('e1', [taskStarted(0)], { runner: {} })).rejects.toBeInstanceOf(
      StaleRunnerError,
    );
    expect(await lanes.setStatus('e1', { state: 'suspended' })).toBe(2);
    expect((await store.getExecution('e1'))?.status.state).toBe('suspended');
    expect(await types()).toEqual(['1:ExecutionStarted']);
  });
});
