// Lease heartbeats from a worker thread: a main thread whose event loop is blocked past
// its lease keeps its work, because the thread renews the lease meanwhile.

import { afterEach, beforeEach, expect, it } from 'vitest';
import { LeaseHeartbeat, type PostgresStore } from '../../src/store/index.js';
import { newExecution, seed } from './fixtures.js';
import {
  admin,
  describePg,
  dropSchema,
  freshSchema,
  openTestStore,
  pgUnavailable,
  pgUrl,
} from './pg-helpers.js';

const unavailable = await pgUnavailable();
let schema: string;
let store: PostgresStore | undefined;
let heartbeat: LeaseHeartbeat | undefined;

beforeEach(() => {
  schema = freshSchema();
});

afterEach(async () => {
  await heartbeat?.stop();
  heartbeat = undefined;
  await store?.close();
  store = undefined;
  if (!unavailable) await dropSchema(schema);
});

/** Blocks this thread's event loop, as a long synchronous step would. */
function blockFor(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy: no timer, no I/O callback of this thread runs
  }
}

const leaseMs = 1500;

/**
 * Executions a and b, each with a ready item, one claimed by w1 and one by w2 (10 ms
 * leases), and a heartbeat of w1's (a minute's leases, every 20 ms) that holds neither yet.
 */
async function twoClaimedOneHeld(): Promise<LeaseHeartbeat> {
  store = await openTestStore(schema);
  await seed(store, ['a', 'b']);
  await store.commit({
    now: 0,
    writes: ['a', 'b'].map((id) => ({
      executionId: id,
      expectedNextSeq: 2,
      addWork: [{ key: 'ready', kind: 'ready' as const, dueAt: 0 }],
    })),
  });
  await store.claimWork({ worker: 'w1', now: 0, leaseMs: 10, limit: 1 });
  await store.claimWork({ worker: 'w2', now: 0, leaseMs: 10, limit: 1 });
  return new LeaseHeartbeat({
    connectionString: pgUrl,
    schema,
    worker: 'w1',
    leaseMs: 60_000,
    intervalMs: 20,
  });
}

describePg('PostgreSQL lease heartbeat', unavailable, () => {
  it('keeps a lease alive from its thread while the event loop is blocked past it', async () => {
    store = await openTestStore(schema);
    const s = store;
    const wf = await seed(s, []);
    await s.createExecution(
      newExecution('e1', wf, { work: [{ key: 'ready', kind: 'ready', dueAt: 0 }] }),
    );
    const [item] = await s.claimWork({ worker: 'w1', now: Date.now(), leaseMs, limit: 1 });
    expect(item?.executionId).toBe('e1');

    heartbeat = new LeaseHeartbeat({
      connectionString: pgUrl,
      schema,
      worker: 'w1',
      leaseMs,
      intervalMs: 200,
    });
    heartbeat.hold([{ executionId: 'e1', key: 'ready' }]);
    blockFor(leaseMs + 1000);

    // Past the lease the claim would have lapsed; the thread renewed it meanwhile.
    const rival = await s.claimWork({ worker: 'w2', now: Date.now(), leaseMs, limit: 1 });
    expect(rival).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(heartbeat.stats.renewed).toBeGreaterThan(0);
    expect(heartbeat.stats.failures).toBe(0);
  });

  it('renews only the items it holds for its worker, and stops when told', async () => {
    heartbeat = await twoClaimedOneHeld();
    heartbeat.hold([
      { executionId: 'a', key: 'ready' },
      { executionId: 'b', key: 'ready' },
    ]);
    const hb = heartbeat;
    const deadline = Date.now() + 10_000;
    while (hb.stats.rounds === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await hb.stop();
    heartbeat = undefined;
    const rows = await admin<{ claimed_by: string; lease_until: string }>(
      `SELECT claimed_by, lease_until FROM "${schema}".work ORDER BY claimed_by`,
    );
    // w1's item got a lease a minute long; w2's kept its 10 ms one.
    expect(rows.map((r) => [r.claimed_by, Number(r.lease_until) > 10])).toEqual([
      ['w1', true],
      ['w2', false],
    ]);
    expect(hb.stats.renewed / hb.stats.rounds).toBe(1);
  });

  it("reports each round's renewed executions, also to a blocked event loop that flushes", async () => {
    heartbeat = await twoClaimedOneHeld();
    const [mine] = await admin<{ execution_id: string }>(
      `SELECT execution_id FROM "${schema}".work WHERE claimed_by = 'w1'`,
    );
    const reports: { ids: readonly string[]; until: number }[] = [];
    heartbeat.onRenewed((ids, until) => reports.push({ ids, until }));
    const before = Date.now();
    // both held, only w1's is w1's: a round renews (and reports) that one alone
    heartbeat.hold([
      { executionId: 'a', key: 'ready' },
      { executionId: 'b', key: 'ready' },
    ]);
    // The event loop never turns in this loop: only flush() can deliver a report here.
    const deadline = Date.now() + 10_000;
    while (reports.length === 0 && Date.now() < deadline) heartbeat.flush();
    expect(reports.length).toBeGreaterThan(0);
    expect(reports[0]!.ids).toEqual([mine!.execution_id]);
    expect(reports[0]!.until).toBeGreaterThanOrEqual(before + 60_000);
    const [row] = await admin<{ lease_until: string }>(
      `SELECT lease_until FROM "${schema}".work WHERE claimed_by = 'w1'`,
    );
    // what it reports is what the store holds (a later round may have moved it on)
    expect(Number(row!.lease_until)).toBeGreaterThanOrEqual(reports[0]!.until);
  });

  it('rejects an interval that is not below the lease', () => {
    expect(
      () =>
        new LeaseHeartbeat({ connectionString: pgUrl, worker: 'w', leaseMs: 100, intervalMs: 100 }),
    ).toThrow(/intervalMs must be a positive integer below leaseMs/);
  });
});
