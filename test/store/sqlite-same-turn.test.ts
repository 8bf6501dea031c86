// The SQLite writer's same-turn flushes (writer.ts): writes that a flush's settled promises lead to
// through microtasks alone are flushed in the same turn of the event loop, grouped, and
// a run of such flushes hands the loop back after `flushes`. The limits are given
// as counts (`ms` far away), so nothing here depends on how fast the disk is.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SequenceMismatchError, openSqliteStore } from '../../src/store/index.js';
import type { SameTurnLimits } from '../../src/store/sqlite/writer.js';
import type { SqliteStore } from '../../src/store/sqlite/store.js';
import { T0, seed, taskStarted } from './fixtures.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'weft-same-turn-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const counted = (flushes: number): SameTurnLimits => ({ ms: 60_000, flushes });
/** The next turn of the event loop: what follows starts a turn of its own. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const open = (sameTurn: SameTurnLimits, file = 'weft.db') =>
  openSqliteStore({ path: join(dir, file), sameTurn });
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
async function doneAtNextTurn(sameTurn: SameTurnLimits, length: number) {
  const store = open(sameTurn, `chain-${length}.db`);
  await seed(store, ['e']);
  await nextTurn();
  const before = { ...store.stats };
  const done = { count: 0 };
  const running = chain(store, length, done); // its first commit queues the writer's turn
  let atTurn = -1;
  setImmediate(() => (atTurn = done.count)); // queued after it: runs once the same-turn flushes end
  await running;
  const stats = {
    transactions: store.stats.transactions - before.transactions,
    sameTurn: store.stats.sameTurn - before.sameTurn,
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

describe('SQLite writer same-turn flushes', () => {
  it('flushes the writes a commit leads to in the same turn, as one group', async () => {
    const store = open(counted(32));
    const ids = Array.from({ length: 50 }, (_, i) => `e${i}`);
    await seed(store, ids);
    await nextTurn();
    const before = { ...store.stats };
    // the 50 second commits went in one transaction, before the loop turned
    expect(await twoRounds(store, ids, 2)).toEqual(Array(50).fill(false));
    expect(store.stats.transactions - before.transactions).toBe(2);
    expect(store.stats.sameTurn - before.sameTurn).toBe(1);

    // Without them, the second group waits for the next turn: the immediate runs first.
    await store.close();
    const turnOnly = open(counted(1));
    await nextTurn();
    expect(await twoRounds(turnOnly, ids, 4)).toEqual(Array(50).fill(true));
    expect(turnOnly.stats).toMatchObject({ transactions: 2, sameTurn: 0, largestGroup: 50 });
    await turnOnly.close();
  });

  it('hands the loop back after `flushes` flushes, so a long chain never starves it', async () => {
    const five = await doneAtNextTurn(counted(5), 100);
    expect(five.atTurn).toBe(5);
    // a sequential chain cannot group: one transaction per commit, 4 of each 5 in the same turn
    expect(five.stats).toEqual({ transactions: 100, sameTurn: 80 });
    const off = await doneAtNextTurn({ ms: 0, flushes: 32 }, 20);
    expect(off.atTurn).toBe(1);
    expect(off.stats.sameTurn).toBe(0);
  });

  it('fails an operation of a same-turn flush alone, with its own error', async () => {
    const store = open(counted(32));
    await seed(store, ['a', 'b']);
    await nextTurn();
    const before = store.stats.sameTurn;
    const outcomes = await Promise.all([
      step(store, 'a', 2).then(() =>
        Promise.allSettled([step(store, 'a', 3), step(store, 'b', 9)]),
      ),
      step(store, 'b', 2),
    ]);
    const [second] = outcomes;
    expect(second.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    expect((second[1] as PromiseRejectedResult).reason).toBeInstanceOf(SequenceMismatchError);
    expect(store.stats.sameTurn - before).toBe(1);
    expect((await store.loadHistory('a')).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect((await store.loadHistory('b')).map((r) => r.seq)).toEqual([1, 2]);
    await store.close();
  });

  it('refuses writes after close, also those a same-turn flush would have carried', async () => {
    const store = open(counted(32));
    await seed(store, ['e']);
    const late = step(store, 'e', 2).then(async () => {
      await store.close();
      return step(store, 'e', 3);
    });
    await expect(late).rejects.toThrow(/the store is closed/);
  });
});
