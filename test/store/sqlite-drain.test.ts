// The SQLite writer's drain (writer.ts): writes that a flush's settled promises lead to
// through microtasks alone are flushed in the same turn of the event loop, grouped, and
// a run of such flushes hands the loop back after `drainFlushes`. The limits are given
// as counts (drainMs far away), so nothing here depends on how fast the disk is.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SequenceMismatchError, openSqliteStore } from '../../src/store/index.js';
import type { DrainLimits } from '../../src/store/sqlite/writer.js';
import type { SqliteStore } from '../../src/store/sqlite/store.js';
import { T0, seed, taskStarted } from './fixtures.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'weft-drain-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const counted = (drainFlushes: number): DrainLimits => ({ drainMs: 60_000, drainFlushes });
/** The next turn of the event loop: what follows starts a turn of its own, not a drain. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const open = (drain: DrainLimits, file = 'weft.db') =>
  openSqliteStore({ path: join(dir, file), drain });
const step = (store: SqliteStore, id: string, seq: number) =>
  store.commit({
    now: T0,
    writes: [{ executionId: id, expectedNextSeq: seq, events: [taskStarted(seq)] }],
  });

/** `length` commits of one execution, each submitted when the one before resolved. */
async function chain(store: SqliteStore, length: number, done: { count: number }) {
  for (let seq = 2; seq < 2 + length; seq++) {
    await step(store, 'e', seq);
    done.count += 1;
  }
}

/** How many of the chain's commits had resolved when an immediate queued at its start ran. */
async function doneAtNextTurn(drain: DrainLimits, length: number) {
  const store = open(drain, `chain-${length}.db`);
  await seed(store, ['e']);
  await nextTurn();
  const before = { ...store.stats };
  const done = { count: 0 };
  const running = chain(store, length, done); // its first commit queues the writer's turn
  let atTurn = -1;
  setImmediate(() => (atTurn = done.count)); // queued after it: runs once the drain ends
  await running;
  const stats = {
    transactions: store.stats.transactions - before.transactions,
    drained: store.stats.drained - before.drained,
  };
  expect((await store.loadHistory('e')).map((r) => r.seq)).toEqual(
    Array.from({ length: length + 1 }, (_, i) => i + 1),
  );
  await store.close();
  return { atTurn, stats };
}

/**
 * Each of `ids` commits event `seq`, then at once `seq + 1`; an immediate is queued as the
 * first second commit is. For each second commit: whether the loop had turned by then.
 */
async function twoRounds(store: SqliteStore, ids: string[], seq: number) {
  let turned = false;
  const sawTurn: boolean[] = [];
  await Promise.all(
    ids.map(async (id, i) => {
      await step(store, id, seq);
      if (i === 0) setImmediate(() => (turned = true));
      await step(store, id, seq + 1);
      sawTurn.push(turned);
    }),
  );
  return sawTurn;
}

describe('SQLite writer drain', () => {
  it('flushes the writes a commit leads to in the same turn, as one group', async () => {
    const store = open(counted(32));
    const ids = Array.from({ length: 50 }, (_, i) => `e${i}`);
    await seed(store, ids);
    await nextTurn();
    const before = { ...store.stats };
    // the 50 second commits went in one transaction, before the loop turned
    expect(await twoRounds(store, ids, 2)).toEqual(Array(50).fill(false));
    expect(store.stats.transactions - before.transactions).toBe(2);
    expect(store.stats.drained - before.drained).toBe(1);

    // Without the drain, the second group waits for the next turn: the immediate runs first.
    await store.close();
    const turnOnly = open(counted(1));
    await nextTurn();
    expect(await twoRounds(turnOnly, ids, 4)).toEqual(Array(50).fill(true));
    expect(turnOnly.stats).toMatchObject({ transactions: 2, drained: 0, largestGroup: 50 });
    await turnOnly.close();
  });

  it('hands the loop back after drainFlushes flushes, so a long chain never starves it', async () => {
    const five = await doneAtNextTurn(counted(5), 100);
    expect(five.atTurn).toBe(5);
    // a sequential chain cannot group: one transaction per commit, 4 of each 5 drained
    expect(five.stats).toEqual({ transactions: 100, drained: 80 });
    const off = await doneAtNextTurn({ drainMs: 0, drainFlushes: 32 }, 20);
    expect(off.atTurn).toBe(1);
    expect(off.stats.drained).toBe(0);
  });

  it('fails a drained operation alone, with its own error', async () => {
    const store = open(counted(32));
    await seed(store, ['a', 'b']);
    await nextTurn();
    const before = store.stats.drained;
    const outcomes = await Promise.all([
      step(store, 'a', 2).then(() =>
        Promise.allSettled([step(store, 'a', 3), step(store, 'b', 9)]),
      ),
      step(store, 'b', 2),
    ]);
    const [second] = outcomes;
    expect(second.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    expect((second[1] as PromiseRejectedResult).reason).toBeInstanceOf(SequenceMismatchError);
    expect(store.stats.drained - before).toBe(1);
    expect((await store.loadHistory('a')).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect((await store.loadHistory('b')).map((r) => r.seq)).toEqual([1, 2]);
    await store.close();
  });

  it('refuses writes after close, also those a drained flush would have carried', async () => {
    const store = open(counted(32));
    await seed(store, ['e']);
    const late = step(store, 'e', 2).then(async () => {
      await store.close();
      return step(store, 'e', 3);
    });
    await expect(late).rejects.toThrow(/the store is closed/);
  });
});
