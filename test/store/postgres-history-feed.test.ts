// The history feed on PostgreSQL (Store.onHistory, src/store/postgres/history-feed.ts):
// every commit path that appends history tells another process's subscriber what it
// appended, exactly the seqs stored; a commit that fails or rolls back tells nothing; the
// channel is LISTENed only while someone subscribes.
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  SequenceMismatchError,
  type FencedLease,
  type HistoryChange,
  type PostgresStore,
} from '../../src/store/index.js';
import { T0, newExecution, taskCompleted, taskStarted, workflow } from './fixtures.js';
import { admin, describePg, pgUnavailable, schemaPerTest, until } from './pg-helpers.js';

const unavailable = await pgUnavailable();
const pg = schemaPerTest(unavailable);
let writer: PostgresStore;
let reader: PostgresStore;
let heard: HistoryChange[];
let off: () => void;

beforeEach(async () => {
  writer = await pg.store();
  reader = await pg.store();
  heard = [];
  off = reader.onHistory((changes) => heard.push(...changes));
  await until(() => listening(reader.historyChannel), 'the reader to LISTEN');
});

// before schemaPerTest closes the stores
afterEach(() => off());

/**
 * The backends whose LISTEN on `channel` has completed: their last statement
 * (pg_stat_activity.query) is that LISTEN, and it is done (idle), since the listener sends
 * LISTEN or UNLISTEN last (src/store/postgres/listener.ts). A LISTEN still running does
 * not count, nor a killed backend that lingers a moment: that raced once in CI.
 */
async function listeners(channel: string): Promise<number[]> {
  const rows = await admin<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE query = $1 AND state = 'idle'`,
    [`LISTEN "${channel}"`],
  );
  return rows.map((r) => r.pid);
}

/** Whether the reader's listening connection LISTENs on `channel` now. */
async function listening(channel: string): Promise<boolean> {
  return (await listeners(channel)).length > 0;
}

const run = { key: 'run', kind: 'ready' as const, dueAt: T0 };

/** Claims every run item: the fenced lease of each execution, by id. */
async function claimAll(store: PostgresStore): Promise<Map<string, FencedLease>> {
  const items = await store.claimFenced({ worker: 'w1', now: T0, leaseMs: 60_000, limit: 10 });
  return new Map(
    items.map((i) => [i.executionId, { worker: 'w1', keys: ['run'], fences: [i.fence] }]),
  );
}

describePg('the history feed on PostgreSQL', unavailable, () => {
  it('tells another process the seqs each commit path appended, as stored', async () => {
    const wf = workflow();
    await writer.putWorkflow(wf);
    // createExecution (a plain start), and a commit that creates two executions
    await writer.createExecution(newExecution('a', wf, { work: [run] }));
    await writer.commit({
      now: T0,
      create: [newExecution('b', wf, { work: [run] }), newExecution('c', wf, { work: [run] })],
    });
    // the one-statement step: alone, one-key lease, events only
    const leases = await claimAll(writer);
    const lease = leases.get('a')!;
    const before = writer.stats.steps;
    await writer.commit({
      now: T0,
      writes: [
        {
          executionId: 'a',
          expectedNextSeq: 2,
          events: [taskStarted(1), taskCompleted(1)],
          lease,
        },
      ],
    });
    expect(writer.stats.steps - before).toBe(1);
    // a group commit of two executions' steps (the general path)
    const lb = leases.get('b')!;
    const lc = leases.get('c')!;
    await Promise.all([
      writer.commit({
        now: T0,
        writes: [{ executionId: 'b', expectedNextSeq: 2, events: [taskStarted(1)], lease: lb }],
      }),
      writer.commit({
        now: T0,
        writes: [
          {
            executionId: 'c',
            expectedNextSeq: 2,
            events: [taskStarted(1), taskCompleted(1), taskStarted(2)],
            lease: lc,
            status: { state: 'suspended' },
          },
        ],
      }),
    ]);
    const expected = [
      { executionId: 'a', firstSeq: 1, lastSeq: 1 },
      { executionId: 'b', firstSeq: 1, lastSeq: 1 },
      { executionId: 'c', firstSeq: 1, lastSeq: 1 },
      { executionId: 'a', firstSeq: 2, lastSeq: 3 },
      { executionId: 'b', firstSeq: 2, lastSeq: 2 },
      { executionId: 'c', firstSeq: 2, lastSeq: 4 },
    ];
    await until(() => heard.length >= expected.length, 'six changes');
    const byKey = (x: HistoryChange) => `${x.executionId}:${x.firstSeq}`;
    expect([...heard].sort((x, y) => byKey(x).localeCompare(byKey(y)))).toEqual(
      [...expected].sort((x, y) => byKey(x).localeCompare(byKey(y))),
    );
    // what was told is what is stored
    for (const id of ['a', 'b', 'c']) {
      const seqs = (await reader.loadHistory(id)).map((r) => r.seq);
      const told = heard
        .filter((h) => h.executionId === id)
        .flatMap((h) =>
          Array.from({ length: h.lastSeq - h.firstSeq + 1 }, (_, i) => h.firstSeq + i),
        );
      expect(told.sort((x, y) => x - y)).toEqual(seqs);
    }
  });

  it('tells nothing of a commit that was refused', async () => {
    const wf = workflow();
    await writer.putWorkflow(wf);
    await writer.createExecution(newExecution('a', wf, { work: [run] }));
    await until(() => heard.length === 1, 'the start');
    const lease = (await claimAll(writer)).get('a')!;
    await expect(
      writer.commit({
        now: T0,
        writes: [{ executionId: 'a', expectedNextSeq: 7, events: [taskStarted(1)], lease }],
      }),
    ).rejects.toBeInstanceOf(SequenceMismatchError);
    // a later commit's change arrives; the refused one's never did
    await writer.commit({
      now: T0,
      writes: [{ executionId: 'a', expectedNextSeq: 2, events: [taskStarted(1)], lease }],
    });
    await until(() => heard.length === 2, 'the second change');
    expect(heard).toEqual([
      { executionId: 'a', firstSeq: 1, lastSeq: 1 },
      { executionId: 'a', firstSeq: 2, lastSeq: 2 },
    ]);
  });

  it('tells its subscribers that changes may have been missed when its connection comes back', async () => {
    let missed = 0;
    off();
    off = reader.onHistory((changes) => (changes.length === 0 ? missed++ : heard.push(...changes)));
    await until(() => listening(reader.historyChannel), 'the reader to LISTEN');
    const [old] = await listeners(reader.historyChannel);
    await admin(`SELECT pg_terminate_backend($1)`, [old]);
    // the new connection's LISTEN done, not the killed one's
    await until(
      async () => (await listeners(reader.historyChannel)).some((pid) => pid !== old),
      'LISTEN on a new connection',
    );
    await until(() => missed > 0, 'the empty list after the reconnect');
    // and it hears changes again
    const wf = workflow();
    await writer.putWorkflow(wf);
    await writer.createExecution(newExecution('after', wf));
    await until(() => heard.length === 1, 'the change after the reconnect');
    expect(heard).toEqual([{ executionId: 'after', firstSeq: 1, lastSeq: 1 }]);
  });

  it('LISTENs only while someone subscribes', async () => {
    off();
    await until(async () => !(await listening(reader.historyChannel)), 'UNLISTEN');
    const wf = workflow();
    await writer.putWorkflow(wf);
    await writer.createExecution(newExecution('a', wf));
    off = reader.onHistory((changes) => heard.push(...changes));
    await until(() => listening(reader.historyChannel), 'LISTEN again');
    await writer.createExecution(newExecution('b', wf));
    await until(() => heard.length === 1, 'the second start');
    expect(heard).toEqual([{ executionId: 'b', firstSeq: 1, lastSeq: 1 }]);
  });
});
