// Group commit on PostgreSQL (committer.ts): concurrent commits share transactions, and
// a commit that fails its checks fails alone, its neighbours in the transaction kept.

import { afterEach, beforeEach, expect, it } from 'vitest';
import { SequenceMismatchError, type PostgresStore } from '../../src/store/index.js';
import { T0, newExecution, seed, taskStarted } from './fixtures.js';
import { describePg, dropSchema, freshSchema, openTestStore, pgUnavailable } from './pg-helpers.js';

const unavailable = await pgUnavailable();
let schema: string;
let store: PostgresStore | undefined;

beforeEach(() => {
  schema = freshSchema();
});

afterEach(async () => {
  await store?.close();
  store = undefined;
  if (!unavailable) await dropSchema(schema);
});

describePg('PostgreSQL group commit', unavailable, () => {
  it('puts concurrent commits of different executions into shared transactions', async () => {
    store = await openTestStore(schema);
    const s = store;
    const ids = Array.from({ length: 100 }, (_, i) => `e${i}`);
    await seed(s, ids);
    const before = s.stats.transactions;
    const results = await Promise.all(
      ids.map((id) =>
        s.commit({
          now: T0,
          writes: [{ executionId: id, expectedNextSeq: 2, events: [taskStarted(0)] }],
        }),
      ),
    );
    expect(results.every((r) => r.nextSeqs[0] === 3)).toBe(true);
    expect(s.stats.transactions - before).toBeLessThan(10);
    expect(s.stats.largestGroup).toBeGreaterThan(10);
    expect((await s.loadHistory('e99')).map((r) => r.seq)).toEqual([1, 2]);
  });

  it('fails only the commit whose checks fail, keeping its neighbours', async () => {
    store = await openTestStore(schema);
    const s = store;
    await seed(s, ['a', 'b', 'c']);
    const outcomes = await Promise.allSettled([
      s.commit({
        now: T0,
        writes: [{ executionId: 'a', expectedNextSeq: 2, events: [taskStarted(0)] }],
        cache: [{ key: 'k', result: 'a', expiresAt: T0 + 10 }],
      }),
      s.commit({
        now: T0,
        writes: [{ executionId: 'b', expectedNextSeq: 7, events: [taskStarted(0)] }],
        cache: [{ key: 'k', result: 'b', expiresAt: T0 + 10 }],
      }),
      s.commit({
        now: T0,
        writes: [{ executionId: 'c', expectedNextSeq: 2, events: [taskStarted(0)] }],
      }),
      s.commit({
        now: T0,
        writes: [{ executionId: 'ghost', expectedNextSeq: 2, events: [taskStarted(0)] }],
      }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
    ]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(SequenceMismatchError);
    expect((outcomes[3] as PromiseRejectedResult).reason).toMatchObject({
      message: 'execution ghost does not exist',
    });
    expect(await s.loadHistory('a')).toHaveLength(2);
    expect(await s.loadHistory('b')).toHaveLength(1);
    expect(await s.loadHistory('c')).toHaveLength(2);
    // The failed commit's cache entry was not written; the kept one's was.
    expect((await s.getCached('k', T0))?.result).toBe('a');
  });

  it('applies concurrent commits to one execution one after another, in order', async () => {
    store = await openTestStore(schema);
    const s = store;
    await seed(s, ['e1']);
    const results = await Promise.all(
      [2, 3, 4, 5].map((seq) =>
        s.commit({
          now: T0,
          writes: [{ executionId: 'e1', expectedNextSeq: seq, events: [taskStarted(seq)] }],
        }),
      ),
    );
    expect(results.map((r) => r.nextSeqs[0])).toEqual([3, 4, 5, 6]);
  });

  it('rolls back only the commit whose child cannot be created', async () => {
    store = await openTestStore(schema);
    const s = store;
    const wf = await seed(s, ['parent']);
    const [bad, good] = await Promise.allSettled([
      s.commit({ now: T0, create: [newExecution('parent', wf)] }),
      s.commit({
        now: T0,
        writes: [{ executionId: 'parent', expectedNextSeq: 2, events: [taskStarted(0)] }],
      }),
    ]);
    expect(bad.status).toBe('rejected');
    expect(good.status).toBe('fulfilled');
  });
});
