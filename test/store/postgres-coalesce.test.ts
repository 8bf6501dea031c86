// Coalesced point reads on PostgreSQL (coalesce.ts): getExecution, loadHistory (whole, or
// after a cursor) and noteRecoveryAttempt calls made together are one statement each, and
// each caller still gets its own answer (or error), as if it had asked alone.

import { afterEach, beforeEach, expect, it } from 'vitest';
import { NotFoundError, type PostgresStore } from '../../src/store/index.js';
import { T0, seed, taskStarted } from './fixtures.js';
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

describePg('PostgreSQL coalesced reads', unavailable, () => {
  it('answers each of many concurrent reads of several executions as if alone', async () => {
    store = await openTestStore(schema);
    const s = store;
    await seed(s, ['a', 'b']);
    await s.commit({
      now: T0,
      writes: [{ executionId: 'b', expectedNextSeq: 2, events: [taskStarted(0), taskStarted(1)] }],
    });
    const [a, b, ghost, again] = await Promise.all([
      s.getExecution('a'),
      s.getExecution('b'),
      s.getExecution('ghost'),
      s.getExecution('a'),
    ]);
    expect([a?.id, b?.id, ghost, again?.id]).toEqual(['a', 'b', undefined, 'a']);
    expect(b?.nextSeq).toBe(4);
    const histories = await Promise.allSettled([
      s.loadHistory('a'),
      s.loadHistory('b'),
      s.loadHistory('ghost'),
      s.loadHistory('b', { after: 2 }),
    ]);
    expect(
      histories.map((h) => (h.status === 'fulfilled' ? h.value.map((r) => r.seq) : h.reason)),
    ).toEqual([[1], [1, 2, 3], expect.any(NotFoundError), [3]]);
  });

  it('answers concurrent reads after cursors (stream tails) each as if alone, in one statement', async () => {
    store = await openTestStore(schema);
    const s = store;
    await seed(s, ['a', 'b']);
    await s.commit({
      now: T0,
      writes: [
        { executionId: 'a', expectedNextSeq: 2, events: [taskStarted(0), taskStarted(1)] },
        { executionId: 'b', expectedNextSeq: 2, events: [taskStarted(0)] },
      ],
    });
    // the statements the reads send (the store's point reads go through pool.query)
    const pool = (s as unknown as { pool: { query: (...a: unknown[]) => unknown } }).pool;
    const sent: string[] = [];
    const query = pool.query.bind(pool);
    pool.query = (...a: unknown[]) => {
      if (typeof a[0] === 'string') sent.push(a[0]);
      return query(...a);
    };
    const tails = await Promise.allSettled([
      s.loadHistory('a', { after: 1 }),
      s.loadHistory('a', { after: 2 }),
      s.loadHistory('b', { after: 1 }),
      s.loadHistory('b', { after: 2 }),
      s.loadHistory('ghost', { after: 1 }),
      s.loadHistory('a', { after: 1 }),
    ]);
    expect(
      tails.map((h) => (h.status === 'fulfilled' ? h.value.map((r) => r.seq) : h.reason)),
    ).toEqual([[2, 3], [3], [2], [], expect.any(NotFoundError), [2, 3]]);
    // the six cursors went out together; only the missing execution's check went alone
    expect(sent.filter((q) => q.includes('AS c(k, id, after)'))).toHaveLength(1);
    expect(sent.filter((q) => q.includes('seq > $2'))).toHaveLength(0);
  });

  it('counts every concurrent recovery attempt, one after the other', async () => {
    store = await openTestStore(schema);
    const s = store;
    await seed(s, ['a', 'b']);
    const attempts = await Promise.allSettled([
      s.noteRecoveryAttempt('a', T0),
      s.noteRecoveryAttempt('b', T0),
      s.noteRecoveryAttempt('a', T0),
      s.noteRecoveryAttempt('ghost', T0),
      s.noteRecoveryAttempt('a', T0),
    ]);
    expect(attempts.map((o) => (o.status === 'fulfilled' ? o.value : o.reason))).toEqual([
      1,
      1,
      2,
      expect.any(NotFoundError),
      3,
    ]);
    expect(await s.noteRecoveryAttempt('a', T0)).toBe(4);
    expect((await s.getExecution('a'))?.recoveryAttempts).toBe(4);
  });
});
