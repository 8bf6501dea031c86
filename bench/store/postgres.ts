// Raw cost of durability on PostgreSQL, beside the store's: run with
// `npx tsx bench/store/postgres.ts` (server from WEFT_TEST_PG, default
// postgres://postgres@127.0.0.1:5432/test; a fresh schema, dropped at the end).
//
//   raw 1          BEGIN / insert event / update execution / COMMIT on one connection,
//                  awaited one at a time: the round trips plus one WAL flush
//   raw 100        100 such transactions at once on `pool` connections
//   store 1        PostgresStore.commit() awaited one at a time (one step per transaction)
//   store 100      100 concurrent PostgresStore.commit() calls (group commit: the store
//                  puts them in one transaction, committer.ts)
//   claim+commit   claimFenced 1 item, then a fenced commit that records the step and
//                  re-adds the ready item: the worker's loop, awaited one at a time
//
// Figures go to docs/operations.md.

import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { HistoryEvent } from '../../src/history/events.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/index.js';

const url = process.env['WEFT_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const seconds = Number(process.env['BENCH_SECONDS'] ?? 2);
const poolSize = Number(process.env['BENCH_POOL'] ?? 10);
const schema = `weft_bench_${randomBytes(4).toString('hex')}`;
const T0 = 1_700_000_000_000;

function event(effectId: number): HistoryEvent {
  return { type: 'TaskCompleted', v: 1, time: T0, effectId, result: { ok: true, n: effectId } };
}

interface Row {
  case: string;
  steps: number;
  transactions: number;
  ms: number;
}

/** Repeats `round` (which returns the steps it did) until `seconds` have passed. */
async function timed(round: () => Promise<number>): Promise<[number, number]> {
  let steps = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) steps += await round();
  return [steps, performance.now() - start];
}

async function setup(store: PostgresStore, ids: string[]): Promise<void> {
  const ref = { namespace: 'b', name: 'w', version: '1', hash: 'h' };
  await store.putWorkflow({ ...ref, source: 's', createdAt: T0 });
  const startedEvent: HistoryEvent = {
    type: 'ExecutionStarted',
    v: 1,
    time: T0,
    workflow: ref,
    input: {},
    seed: 's',
  };
  await store.commit({
    now: T0,
    create: ids.map((id) => ({ id, workflow: ref, input: {}, startedEvent })),
  });
}

async function main(): Promise<Row[]> {
  const store = await openPostgresStore({
    connectionString: url,
    schema,
    poolSize,
    limits: { maxHistoryEvents: 2 ** 30, maxHistoryBytes: 2 ** 50 },
  });
  const ids = Array.from({ length: 100 }, (_, i) => `e${i}`);
  await setup(store, [...ids, 'worker']);
  const next = new Map([...ids, 'worker'].map((id) => [id, 2]));
  const body = JSON.stringify(event(0));
  const rows: Row[] = [];

  // Raw: the same two statements the store's commit must do, nothing else.
  const raw = new pg.Pool({
    connectionString: url,
    max: poolSize,
    options: `-c search_path=${schema}`,
  });
  const rawStep = async (id: string) => {
    const seq = next.get(id)!;
    next.set(id, seq + 1);
    const client = await raw.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        'INSERT INTO history (execution_id, seq, type, v, time, body) VALUES ($1, $2, $3, $4, $5, $6)',
        [id, seq, 'TaskCompleted', 1, T0, body],
      );
      await client.query('UPDATE executions SET next_seq = $1, updated_at = $2 WHERE id = $3', [
        seq + 1,
        T0,
        id,
      ]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  };
  let [steps, ms] = await timed(async () => {
    await rawStep('e0');
    return 1;
  });
  rows.push({ case: 'raw 1', steps, transactions: steps, ms });
  [steps, ms] = await timed(async () => {
    await Promise.all(ids.map(rawStep));
    return ids.length;
  });
  rows.push({ case: 'raw 100', steps, transactions: steps, ms });
  await raw.end();

  const commit = (id: string) => {
    const expectedNextSeq = next.get(id)!;
    next.set(id, expectedNextSeq + 1);
    return store.commit({
      now: T0,
      writes: [{ executionId: id, expectedNextSeq, events: [event(expectedNextSeq)] }],
    });
  };
  let before = store.stats.transactions;
  [steps, ms] = await timed(async () => {
    await commit('e1');
    return 1;
  });
  rows.push({ case: 'store 1', steps, transactions: store.stats.transactions - before, ms });
  before = store.stats.transactions;
  [steps, ms] = await timed(async () => {
    await Promise.all(ids.map(commit));
    return ids.length;
  });
  rows.push({ case: 'store 100', steps, transactions: store.stats.transactions - before, ms });

  // The worker's loop for one execution: claim, then the fenced commit of the step.
  const ready = { key: 'ready', kind: 'ready' as const, dueAt: T0 };
  await store.commit({
    now: T0,
    writes: [{ executionId: 'worker', expectedNextSeq: 2, addWork: [ready] }],
  });
  next.set('worker', 2);
  [steps, ms] = await timed(async () => {
    const [item] = await store.claimFenced({ worker: 'w', now: T0, leaseMs: 60_000, limit: 1 });
    const expectedNextSeq = next.get('worker')!;
    next.set('worker', expectedNextSeq + 1);
    await store.commit({
      now: T0,
      writes: [
        {
          executionId: 'worker',
          expectedNextSeq,
          events: [event(expectedNextSeq)],
          removeWork: ['ready'],
          addWork: [ready],
          lease: { worker: 'w', keys: ['ready'], fences: [item!.fence] },
        } as never,
      ],
    });
    return 1;
  });
  rows.push({ case: 'claim+commit', steps, transactions: steps * 2, ms });

  await store.close();
  return rows;
}

let rows: Row[];
try {
  rows = await main();
} finally {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  const [settings] = (
    await admin.query<{ v: string; s: string }>(
      `SELECT version() AS v, current_setting('synchronous_commit') AS s`,
    )
  ).rows;
  await admin.end();
  console.log(
    `weft PostgreSQL store bench, ${new Date().toISOString()}, ${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
  );
  console.log(
    `node ${process.version}, ${settings?.v.split(' on ')[0]}, synchronous_commit=${settings?.s}, ` +
      `pool ${poolSize}, ${seconds}s per case`,
  );
}
console.log('');
console.log('| case | steps/s | µs per step | µs per transaction |');
console.log('|---|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.case} | ${Math.round((r.steps / r.ms) * 1000)} | ${((r.ms * 1000) / r.steps).toFixed(1)} | ${((r.ms * 1000) / r.transactions).toFixed(1)} |`,
  );
}
