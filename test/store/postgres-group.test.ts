// Group commit on PostgreSQL (committer.ts): concurrent commits share transactions, and
// a commit that fails its checks fails alone, its neighbours in the transaction kept.

import { afterEach, beforeEach, expect, it } from 'vitest';
import { SequenceMismatchError, type PostgresStore } from '../../src/store/index.js';
import { T0, newExecution, seed, taskStarted, workflow } from './fixtures.js';
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

  it('starts executions together, each refused start failing alone with its own error', async () => {
    store = await openTestStore(schema);
    const s = store;
    const wf = await seed(s, ['taken']);
    const other = { ...workflow('9.9.9'), hash: 'sha256:never-registered' };
    const before = s.stats.transactions;
    const starts = [
      ...Array.from({ length: 40 }, (_, i) =>
        newExecution(`s${i}`, wf, { work: [{ key: 'run', kind: 'ready', dueAt: T0 + i }] }),
      ),
      newExecution('taken', wf), // the id exists
      newExecution('unknown', other), // the version is not registered
      newExecution('mismatch', { ...wf, hash: 'sha256:other' }), // registered with another hash
      newExecution('keyed', wf, { idempotencyKey: 'k1' }), // the savepoint path, same group
    ];
    const outcomes = await Promise.allSettled(starts.map((e) => s.createExecution(e)));
    expect(outcomes.slice(0, 40).every((o) => o.status === 'fulfilled')).toBe(true);
    const reasons = outcomes
      .slice(40)
      .map((o) => (o.status === 'rejected' ? (o.reason as Error).message : 'created'));
    expect(reasons).toEqual([
      'execution taken already exists',
      'workflow test/orders:9.9.9 is not registered',
      `execution mismatch: workflow test/orders:1.0.0 is registered with hash ${wf.hash}, not sha256:other`,
      'created',
    ]);
    // one transaction carried many starts
    expect(s.stats.transactions - before).toBeLessThan(10);
    const s7 = await s.getExecution('s7');
    expect(s7?.status).toEqual({ state: 'running' });
    expect((await s.loadHistory('s7')).map((r) => r.event.type)).toEqual(['ExecutionStarted']);
    const due = await s.claimWork({ worker: 'w', now: T0 + 100, leaseMs: 1000, limit: 100 });
    expect(due.filter((i) => i.key === 'run')).toHaveLength(40);
    expect(await s.getExecution('unknown')).toBeUndefined();
  });
});
