// LISTEN/NOTIFY wake-ups and surviving lost connections: the server kills every
// connection of the store (pg_terminate_backend) and the store keeps working.

import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { NewWorkItem, PostgresStore } from '../../src/store/index.js';
import { T0, newExecution, seed, taskStarted } from './fixtures.js';
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
let store: PostgresStore | undefined;

beforeEach(() => {
  schema = freshSchema();
});

afterEach(async () => {
  await store?.close();
  store = undefined;
  if (!unavailable) await dropSchema(schema);
});

/** The next `count` wake-ups. */
function wakeups(s: PostgresStore, count = 1): Promise<(number | undefined)[]> {
  return new Promise((resolve) => {
    const seen: (number | undefined)[] = [];
    const stop = s.onWork((dueAt) => {
      seen.push(dueAt);
      if (seen.length === count) {
        stop();
        resolve(seen);
      }
    });
  });
}

const timer = (dueAt: number): NewWorkItem => ({ key: 'timer:1', kind: 'timer', dueAt });

async function connections(app: string): Promise<number> {
  const rows = await admin<{ n: string }>(
    'SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1',
    [app],
  );
  return Number(rows[0]?.n);
}

describePg('PostgreSQL wake-ups and lost connections', unavailable, () => {
  it('wakes a listener when a commit adds work, with the earliest due time', async () => {
    store = await openTestStore(schema);
    const s = store;
    await seed(s, ['e1']);
    const woken = wakeups(s);
    await until(() => s.listening, 'the LISTEN connection');
    await s.commit({
      now: T0,
      writes: [
        {
          executionId: 'e1',
          expectedNextSeq: 2,
          addWork: [timer(T0 + 500), { key: 'ready', kind: 'ready', dueAt: T0 + 20 }],
        },
      ],
    });
    expect(await woken).toEqual([T0 + 20]);
  });

  it('does not wake listeners for a commit that was rolled back', async () => {
    store = await openTestStore(schema);
    const s = store;
    await seed(s, ['e1', 'e2']);
    const heard: (number | undefined)[] = [];
    const stop = s.onWork((dueAt) => heard.push(dueAt));
    await until(() => s.listening, 'the LISTEN connection');
    const failed = s.commit({
      now: T0,
      writes: [
        { executionId: 'e1', expectedNextSeq: 2, addWork: [timer(T0 + 1)] },
        { executionId: 'e2', expectedNextSeq: 9 },
      ],
    });
    await expect(failed).rejects.toThrow(/expected next sequence number 9/);
    // A later commit's wake-up arrives; the failed one's never did.
    await s.commit({
      now: T0,
      writes: [{ executionId: 'e2', expectedNextSeq: 2, addWork: [timer(T0 + 2)] }],
    });
    await until(() => heard.length > 0, 'a wake-up');
    stop();
    expect(heard).toEqual([T0 + 2]);
  });

  it('keeps working after the server kills every connection of the store', async () => {
    const app = `weft_kill_${schema}`;
    store = await openTestStore(schema, { applicationName: app, pollMs: 50 });
    const s = store;
    const wf = await seed(s, ['e1']);
    const heard: (number | undefined)[] = [];
    const stop = s.onWork((dueAt) => heard.push(dueAt));
    await until(() => s.listening, 'the LISTEN connection');
    // Open several pooled connections so idle ones are killed too.
    await Promise.all([1, 2, 3, 4].map(() => s.getExecution('e1')));
    expect(await connections(app)).toBeGreaterThanOrEqual(2);

    const killed = await admin<{ ok: boolean }>(
      'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1',
      [app],
    );
    expect(killed.length).toBeGreaterThanOrEqual(2);

    // Straight away, without waiting for the pool to notice: every operation succeeds.
    const results = await Promise.all([
      s.getExecution('e1'),
      s.createExecution(
        newExecution('e2', wf, { work: [{ key: 'ready', kind: 'ready', dueAt: T0 }] }),
      ),
      s.commit({
        now: T0,
        writes: [{ executionId: 'e1', expectedNextSeq: 2, events: [taskStarted(0)] }],
      }),
      s.claimWork({ worker: 'w', now: T0, leaseMs: 1000, limit: 5 }),
    ]);
    expect(results[0]?.id).toBe('e1');
    expect(results[2].nextSeqs).toEqual([3]);
    expect((await s.loadHistory('e1')).map((r) => r.seq)).toEqual([1, 2]);

    // The listener comes back, and its subscribers hear about new work again.
    await until(() => s.listening, 'the LISTEN connection to come back');
    heard.length = 0;
    await s.commit({
      now: T0,
      writes: [{ executionId: 'e1', expectedNextSeq: 3, addWork: [timer(T0 + 77)] }],
    });
    await until(() => heard.includes(T0 + 77), 'the wake-up after the reconnect');
    stop();
  });

  it('retries a commit whose connection is killed in the middle of its transaction', async () => {
    const app = `weft_midtx_${schema}`;
    store = await openTestStore(schema, { applicationName: app });
    const s = store;
    await seed(s, ['e1']);
    // Another session holds the execution's row, so the store's commit waits inside its
    // transaction (in lockHeads) while we kill its connection.
    const holder = new pg.Client({ connectionString: pgUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM "${schema}".executions WHERE id = 'e1' FOR UPDATE`);
      const pending = s.commit({
        now: T0,
        writes: [{ executionId: 'e1', expectedNextSeq: 2, events: [taskStarted(0)] }],
      });
      pending.catch(() => undefined); // awaited below; no unhandled rejection meanwhile
      await until(
        async () =>
          (
            await admin(
              `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
              [app],
            )
          ).length === 1,
        'the commit to wait for the row lock',
      );
      const killed = await admin(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [app],
      );
      expect(killed.length).toBeGreaterThanOrEqual(1);
      await holder.query('COMMIT');
      expect((await pending).nextSeqs).toEqual([3]);
    } finally {
      await holder.end();
    }
    expect((await s.loadHistory('e1')).map((r) => r.seq)).toEqual([1, 2]);
  });

  it('calls subscribers by polling while the listening connection is down', async () => {
    const app = `weft_poll_${schema}`;
    store = await openTestStore(schema, { applicationName: app, pollMs: 20 });
    const s = store;
    const heard: (number | undefined)[] = [];
    const stop = s.onWork((dueAt) => heard.push(dueAt));
    await until(() => s.listening, 'the LISTEN connection');
    await admin(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [app],
    );
    // Wake-ups without a dueAt: the poll while down, then one on the reconnect.
    await until(() => heard.filter((d) => d === undefined).length >= 1, 'a polling wake-up');
    await until(() => s.listening, 'the LISTEN connection to come back');
    stop();
    expect(heard.every((d) => d === undefined)).toBe(true);
  });
});
