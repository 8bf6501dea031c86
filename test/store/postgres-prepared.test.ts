// Named prepared statements and pipelining on PostgreSQL (prepared.ts, connection.ts):
// which statements get a name, and that a store with both turned off (for a pooler in
// transaction mode) still commits, claims and reads.
import { afterEach, describe, expect, it } from 'vitest';
import { statementName } from '../../src/store/postgres/prepared.js';
import { SequenceMismatchError, type PostgresStore } from '../../src/store/index.js';
import { T0, newExecution, taskCompleted, taskStarted, workflow } from './fixtures.js';
import { describePg, dropSchema, freshSchema, openTestStore, pgUnavailable } from './pg-helpers.js';

describe('statementName', () => {
  it('names a statement with listed columns, the same name each time', () => {
    const text = 'SELECT id, next_seq FROM executions WHERE id = $1 /* prepared test */';
    const name = statementName(text);
    expect(name).toMatch(/^weft_\d+$/);
    expect(statementName(text)).toBe(name);
    expect(statementName(`${text} `)).not.toBe(name);
  });

  it('leaves statements whose result columns come from * unnamed', () => {
    for (const text of [
      'SELECT * FROM executions WHERE id = $1',
      'UPDATE work w SET fence = 1 WHERE key = $1 RETURNING w.*',
      'INSERT INTO t (a) VALUES ($1) RETURNING *',
      'SELECT DISTINCT * FROM t WHERE a = $1',
    ]) {
      expect(statementName(text), text).toBeUndefined();
    }
    // count(*) is a column, not a star list
    expect(statementName('SELECT count(*) AS n FROM work WHERE key = $1')).toMatch(/^weft_/);
  });
});

const unavailable = await pgUnavailable();
let schema: string | undefined;
let store: PostgresStore | undefined;

afterEach(async () => {
  await store?.close();
  if (schema && !unavailable) await dropSchema(schema);
});

describePg('a PostgreSQL store without prepared statements or pipelining', unavailable, () => {
  it('commits, refuses a stale sequence, claims and reads as the default store does', async () => {
    schema = freshSchema();
    store = await openTestStore(schema, { preparedStatements: false, pipeline: false });
    const wf = workflow();
    await store.putWorkflow(wf);
    await store.commit({
      now: T0,
      create: [newExecution('e1', wf, { work: [{ key: 'run', kind: 'ready', dueAt: T0 }] })],
    });
    const [item] = await store.claimFenced({ worker: 'w', now: T0, leaseMs: 60_000, limit: 1 });
    const lease = { worker: 'w', keys: ['run'], fences: [item!.fence] };
    const write = (expectedNextSeq: number) => ({
      executionId: 'e1',
      expectedNextSeq,
      events: [taskStarted(1), taskCompleted(1, {})],
      lease,
    });
    expect(await store.commit({ now: T0, writes: [write(2)] })).toEqual({
      nextSeqs: [4],
      created: [],
    });
    await expect(store.commit({ now: T0, writes: [write(2)] })).rejects.toBeInstanceOf(
      SequenceMismatchError,
    );
    // two commits at once: one group, the general (non-pipelined) path
    const wf2 = newExecution('e2', wf);
    await store.commit({ now: T0, create: [wf2] });
    await Promise.all([
      store.commit({ now: T0, writes: [write(4)] }),
      store.commit({
        now: T0,
        writes: [{ executionId: 'e2', expectedNextSeq: 2, events: [taskStarted(1)] }],
      }),
    ]);
    expect((await store.loadHistory('e1')).map((r) => r.event.type)).toEqual([
      'ExecutionStarted',
      'TaskStarted',
      'TaskCompleted',
      'TaskStarted',
      'TaskCompleted',
    ]);
    expect((await store.getExecution('e2'))!.nextSeq).toBe(3);
  });
});
