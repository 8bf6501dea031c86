// The one-statement step (src/store/postgres/step.ts): a commit alone in its group that
// appends events under a one-key lease is one statement in autocommit. It must write
// what the general path writes, and when any check fails write nothing and leave the
// error to the general path: the same error classes, the same histories.
import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  LeaseLostError,
  StoreBusyError,
  LimitExceededError,
  NotFoundError,
  SequenceMismatchError,
  type CommitBatch,
  type FencedLease,
  type PostgresStore,
} from '../../src/store/index.js';
import { T0, newExecution, taskCompleted, taskStarted, workflow } from './fixtures.js';
import {
  admin,
  describePg,
  dropSchema,
  freshSchema,
  openTestStore,
  pgUnavailable,
  pgUrl,
  until,
} from './pg-helpers.js';

const unavailable = await pgUnavailable();
let schema: string;
let store: PostgresStore;

beforeEach(async () => {
  schema = freshSchema();
  store = await openTestStore(schema, { limits: { maxHistoryEvents: 6 } });
  const wf = workflow();
  await store.putWorkflow(wf);
  const run = { key: 'run', kind: 'ready' as const, dueAt: T0 };
  await store.commit({
    now: T0,
    create: [newExecution('e1', wf, { work: [run] }), newExecution('e2', wf, { work: [run] })],
  });
});

afterEach(async () => {
  await store.close();
  if (!unavailable) await dropSchema(schema);
});

async function claim(worker: string): Promise<FencedLease> {
  const [item] = await store.claimFenced({ worker, now: T0, leaseMs: 60_000, limit: 1 });
  return { worker, keys: ['run'], fences: [item!.fence] };
}

const step = (expectedNextSeq: number, lease: FencedLease, n = 1): CommitBatch => ({
  now: T0 + expectedNextSeq,
  writes: [
    {
      executionId: 'e1',
      expectedNextSeq,
      events: [taskStarted(n), taskCompleted(n, { n })],
      recoveryAttempts: 0,
      lease,
    },
  ],
});

const history = async (id = 'e1') => (await store.loadHistory(id)).map((r) => r.event.type);

describePg('the one-statement step on PostgreSQL', unavailable, () => {
  it('appends and advances the head in one statement', async () => {
    const lease = await claim('w1');
    const before = store.stats.steps;
    expect(await store.commit(step(2, lease))).toEqual({ nextSeqs: [4], created: [] });
    expect(await store.commit(step(4, lease, 2))).toEqual({ nextSeqs: [6], created: [] });
    expect(store.stats.steps - before).toBe(2);
    expect(await history()).toEqual([
      'ExecutionStarted',
      'TaskStarted',
      'TaskCompleted',
      'TaskStarted',
      'TaskCompleted',
    ]);
    const e = (await store.getExecution('e1'))!;
    expect(e.nextSeq).toBe(6);
    expect(e.updatedAt).toBe(T0 + 4);
    // the other execution is untouched
    expect(await history('e2')).toEqual(['ExecutionStarted']);
  });

  it('writes nothing and throws the general path error when a check fails', async () => {
    const stale = await claim('w1');
    const before = store.stats.steps;
    const cases: [string, CommitBatch, new (...a: never[]) => Error][] = [
      ['wrong sequence', step(3, stale), SequenceMismatchError],
      ['another worker', step(2, { worker: 'w9', keys: ['run'] }), LeaseLostError],
      ['stale fence', step(2, { ...stale, fences: [stale.fences![0]! - 1] }), LeaseLostError],
      [
        'unknown execution',
        { ...step(2, stale), writes: [{ ...step(2, stale).writes![0]!, executionId: 'nope' }] },
        NotFoundError,
      ],
    ];
    for (const [what, batch, kind] of cases) {
      await expect(store.commit(batch), what).rejects.toBeInstanceOf(kind);
    }
    expect(await history()).toEqual(['ExecutionStarted']);
    // past the history limit (6 events): 2 + 2 fit, the next 2 do not
    await store.commit(step(2, stale));
    await store.commit(step(4, stale));
    await expect(store.commit(step(6, stale))).rejects.toBeInstanceOf(LimitExceededError);
    expect(await history()).toHaveLength(5);
    expect(store.stats.steps - before).toBe(2);
  });

  it('refuses a step of a finished execution, like the general path', async () => {
    const lease = await claim('w1');
    await store.commit({
      now: T0,
      writes: [
        {
          executionId: 'e1',
          expectedNextSeq: 2,
          events: [{ type: 'ExecutionCompleted', v: 1, time: T0, output: null }],
          status: { state: 'completed', output: null },
          lease,
        },
      ],
    });
    // the run item went with the completion, so the holder's lease is gone too
    await expect(store.commit(step(3, lease))).rejects.toBeInstanceOf(LeaseLostError);
    expect(await history()).toEqual(['ExecutionStarted', 'ExecutionCompleted']);
  });

  it('refuses the old holder once another worker claimed the item after the lease', async () => {
    const first = await store.claimFenced({ worker: 'w1', now: T0, leaseMs: 10, limit: 1 });
    const old: FencedLease = { worker: 'w1', keys: ['run'], fences: [first[0]!.fence] };
    await store.commit(step(2, old));
    const taken = await store.claimFenced({
      worker: 'w2',
      now: T0 + 100,
      leaseMs: 60_000,
      limit: 2,
    });
    expect(taken.map((t) => t.executionId)).toContain('e1');
    await expect(store.commit(step(4, old))).rejects.toBeInstanceOf(LeaseLostError);
    const mine: FencedLease = {
      worker: 'w2',
      keys: ['run'],
      fences: [taken.find((t) => t.executionId === 'e1')!.fence],
    };
    expect(await store.commit(step(4, mine))).toEqual({ nextSeqs: [6], created: [] });
  });

  it('fails a step whose connection is killed in flight as unknown, and goes on', async () => {
    const lease = await claim('w1');
    const holder = new pg.Client({ connectionString: pgUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM "${schema}".executions WHERE id = 'e1' FOR UPDATE`);
      const stepping = store.commit(step(2, lease));
      stepping.catch(() => undefined);
      // the step's statement waits for the row lock: its backend is the one to kill
      const waiting = async () =>
        (
          await admin<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> $1`,
            [(holder as unknown as { processID: number }).processID],
          )
        ).map((r) => r.pid);
      await until(async () => (await waiting()).length === 1, 'the step to wait for the lock');
      await admin('SELECT pg_terminate_backend($1)', [(await waiting())[0]]);
      await expect(stepping).rejects.toBeInstanceOf(StoreBusyError);
      await expect(stepping).rejects.toThrow(/the outcome is unknown/);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
    // nothing was written, and the store goes on
    expect(await history()).toEqual(['ExecutionStarted']);
    expect(await store.commit(step(2, lease))).toEqual({ nextSeqs: [4], created: [] });
  });
});
