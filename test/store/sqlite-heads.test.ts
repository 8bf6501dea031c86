// The SQLite store's cache of execution heads (heads.ts): a write's sequence check and
// history bytes come from this connection's own last write instead of a read, and the
// cache must never say what the database does not: after another connection's commit,
// after a rolled-back operation, after a change made outside a step's write.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SequenceMismatchError, openSqliteStore } from '../../src/store/index.js';
import { WriteHeads, type Head } from '../../src/store/sqlite/heads.js';
import type { SqliteStore } from '../../src/store/sqlite/store.js';
import { T0, seed, taskCompleted, taskStarted } from './fixtures.js';

let dir: string;
const stores: SqliteStore[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'weft-heads-'));
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const open = () => {
  const store = openSqliteStore({ path: join(dir, 'weft.db') });
  stores.push(store);
  return store;
};
const step = (store: SqliteStore, id: string, seq: number, recoveryAttempts?: number) =>
  store.commit({
    now: T0,
    writes: [
      {
        executionId: id,
        expectedNextSeq: seq,
        events: [taskStarted(seq)],
        ...(recoveryAttempts === undefined ? {} : { recoveryAttempts }),
      },
    ],
  });

describe('SQLite execution heads', () => {
  it('are taken from the cache for an execution this connection wrote last', async () => {
    const store = open();
    await seed(store, ['e']);
    const kept = store.stats.headsKept;
    for (let seq = 2; seq < 12; seq++) await step(store, 'e', seq);
    // its create staged the first head: not one of the ten writes read it
    expect(store.stats.headsKept - kept).toBe(10);
    expect((await store.loadHistory('e')).map((r) => r.seq)).toEqual(
      Array.from({ length: 11 }, (_, i) => i + 1),
    );
    expect((await store.getExecution('e'))!.historyBytes).toBe(
      (await store.loadHistory('e')).reduce(
        (n, r) => n + Buffer.byteLength(JSON.stringify(r.event)),
        0,
      ),
    );
  });

  it("are read again after another connection's commit", async () => {
    const a = open();
    await seed(a, ['e', 'f']);
    await step(a, 'e', 2); // a's cache: e running, next seq 3
    await step(a, 'f', 2);
    const b = open(); // another connection on the same file (a CLI beside a worker)
    // b cancels e without an event: only the state moves, the seq check cannot see it
    await b.commit({
      now: T0,
      writes: [
        { executionId: 'e', expectedNextSeq: 3, events: [], status: { state: 'cancelled' } },
      ],
    });
    await step(b, 'f', 3);
    await expect(step(a, 'e', 3)).rejects.toThrow(/execution e is cancelled/);
    await expect(step(a, 'f', 3)).rejects.toBeInstanceOf(SequenceMismatchError);
    await expect(step(a, 'f', 4)).resolves.toEqual({ created: [], nextSeqs: [5] });
    expect((await b.loadHistory('e')).map((r) => r.seq)).toEqual([1, 2]);
  });

  it('forget what a rolled-back operation staged', async () => {
    const store = open();
    await seed(store, ['x', 'y']);
    await step(store, 'x', 2);
    // one commit writing x (staged: next seq 4), then failing on y: nothing of it stays
    const failing = store.commit({
      now: T0,
      writes: [
        { executionId: 'x', expectedNextSeq: 3, events: [taskCompleted(2)] },
        { executionId: 'y', expectedNextSeq: 9, events: [taskStarted(9)] },
      ],
    });
    await expect(failing).rejects.toBeInstanceOf(SequenceMismatchError);
    const isolated = store.stats.isolated;
    // x's next seq is still 3, and the cache knows it: no failure, no second run
    await expect(step(store, 'x', 3)).resolves.toEqual({ created: [], nextSeqs: [4] });
    expect(store.stats.isolated).toBe(isolated);
    expect((await store.loadHistory('x')).map((r) => r.event.type)).toEqual([
      'ExecutionStarted',
      'TaskStarted',
      'TaskStarted',
    ]);
  });

  it('keep a good neighbour of a failed operation in the same group right', async () => {
    const store = open();
    await seed(store, ['x', 'y']);
    // submitted in one turn: one group, y fails, x and its second write go through
    const writes = [step(store, 'x', 2), step(store, 'y', 7), step(store, 'x', 3)];
    const settled = await Promise.allSettled(writes);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await expect(step(store, 'x', 4)).resolves.toEqual({ created: [], nextSeqs: [5] });
    await expect(step(store, 'y', 2)).resolves.toEqual({ created: [], nextSeqs: [3] });
  });

  it('are read again after a recovery attempt was noted', async () => {
    const store = open();
    await seed(store, ['e']);
    await step(store, 'e', 2, 0); // cached: 0 attempts
    expect(await store.noteRecoveryAttempt('e', T0)).toBe(1);
    // the engine resets the count with its next write: the write must see 1 to change it
    await step(store, 'e', 3, 0);
    expect((await store.getExecution('e'))!.recoveryAttempts).toBe(0);
  });

  it('do not outlive a pruned execution', async () => {
    const store = open();
    await seed(store, ['e']);
    await store.commit({
      now: T0,
      writes: [
        {
          executionId: 'e',
          expectedNextSeq: 2,
          events: [{ type: 'ExecutionCompleted', v: 1, time: T0, output: null }],
          status: { state: 'completed', output: null },
        },
      ],
    });
    expect(await store.pruneExecutions(T0 + 1, 10)).toBe(1);
    await expect(step(store, 'e', 3)).rejects.toThrow(/execution e does not exist/);
  });
});

describe('WriteHeads', () => {
  const head = (last_seq: number): Head => ({
    xid: 1,
    state: 'running',
    priority: 0,
    recovery_attempts: 0,
    last_seq,
    total: 10,
  });

  it('keeps staged heads only when the transaction commits', () => {
    const heads = new WriteHeads();
    heads.begin(1);
    heads.stage('a', head(2));
    expect(heads.get('a')?.last_seq).toBe(2); // the transaction sees its own
    heads.rollback();
    expect(heads.get('a')).toBeUndefined();
    heads.begin(1);
    heads.stage('a', head(3));
    heads.commit();
    heads.begin(1);
    expect(heads.get('a')?.last_seq).toBe(3);
    heads.forget('a');
    expect(heads.get('a')).toBeUndefined();
    heads.commit();
    expect(heads.get('a')).toBeUndefined();
  });

  it('empties itself when the data version moves', () => {
    const heads = new WriteHeads();
    heads.begin(1);
    heads.stage('a', head(2));
    heads.commit();
    heads.begin(2);
    expect(heads.get('a')).toBeUndefined();
  });

  it('keeps at most its capacity, the most recently written', () => {
    const heads = new WriteHeads(2);
    heads.begin(1);
    for (const id of ['a', 'b', 'c']) heads.stage(id, head(2));
    heads.commit();
    heads.begin(1);
    heads.stage('b', head(3)); // b written again: now the newest
    heads.commit();
    heads.begin(1);
    expect([heads.get('a'), heads.get('b'), heads.get('c')].map((h) => h?.last_seq)).toEqual([
      undefined,
      3,
      2,
    ]);
    heads.stage('d', head(2));
    heads.commit();
    heads.begin(1);
    expect(heads.get('c')).toBeUndefined();
    expect(heads.get('b')?.last_seq).toBe(3);
  });
});
