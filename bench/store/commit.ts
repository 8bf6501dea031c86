// Raw cost of durability on the embedded store: run with `npx tsx bench/store/commit.ts`.
//
//   raw 1        one BEGIN IMMEDIATE / insert event / COMMIT, in the store's layout (a step
//                that leaves the status alone writes its history rows only: migration 16)
//   raw 100      100 executions' steps (an insert each) in one transaction
//   store 1      SqliteStore.commit() awaited one at a time (one step per transaction)
//   store 100    100 concurrent SqliteStore.commit() calls (group commit)
//
// each with synchronous=FULL (the default) and NORMAL. Figures go to docs/storage.md.

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { HistoryEvent } from '../../src/history/events.js';
import { openSqliteStore, type Synchronous } from '../../src/store/index.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'weft-bench-'));
const T0 = 1_700_000_000_000;

function event(effectId: number): HistoryEvent {
  return { type: 'TaskCompleted', v: 1, time: T0, effectId, result: { ok: true, n: effectId } };
}

interface Row {
  case: string;
  sync: Synchronous;
  steps: number;
  transactions: number;
  ms: number;
}

/** Repeats `round` (which returns the steps it did) until `seconds` have passed. */
async function timed(round: () => number | Promise<number>): Promise<[number, number, number]> {
  let steps = 0;
  let rounds = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    steps += await round();
    rounds += 1;
  }
  return [steps, rounds, performance.now() - start];
}

async function bench(sync: Synchronous): Promise<Row[]> {
  const store = openSqliteStore({
    path: join(dir, `${sync}.db`),
    synchronous: sync,
    limits: { maxHistoryEvents: 2 ** 20 - 1, maxHistoryBytes: 2 ** 50 }, // the most SQLite takes
  });
  const { db } = store;
  const wf = { namespace: 'b', name: 'w', version: '1', hash: 'h', source: 's', createdAt: T0 };
  await store.putWorkflow(wf);
  const ids = Array.from({ length: 100 }, (_, i) => `e${i}`);
  const ref = { namespace: 'b', name: 'w', version: '1', hash: 'h' };
  for (const id of ids) {
    const startedEvent: HistoryEvent = {
      type: 'ExecutionStarted',
      v: 1,
      time: T0,
      workflow: ref,
      input: {},
      seed: 's',
    };
    await store.createExecution({ id, workflow: ref, input: {}, startedEvent });
  }
  const next = new Map(ids.map((id) => [id, 2]));
  const body = JSON.stringify(event(0));
  const insert = db.prepare(
    `INSERT INTO history (k, type, v, time, total, body)
     VALUES ((? << 20) | ?, ?, ?, ?, ?, ?)`,
  );
  const xids = new Map(
    ids.map((id) => [id, db.prepare('SELECT xid FROM executions WHERE id = ?').pluck().get(id)]),
  );
  const step = (id: string) => {
    const seq = next.get(id)!;
    insert.run(xids.get(id), seq, 'TaskCompleted', 1, T0, seq * body.length, body);
    next.set(id, seq + 1);
  };
  const rows: Row[] = [];

  let [steps, tx, ms] = await timed(() => {
    db.exec('BEGIN IMMEDIATE');
    step('e0');
    db.exec('COMMIT');
    return 1;
  });
  rows.push({ case: 'raw 1', sync, steps, transactions: tx, ms });

  [steps, tx, ms] = await timed(() => {
    db.exec('BEGIN IMMEDIATE');
    for (const id of ids) step(id);
    db.exec('COMMIT');
    return ids.length;
  });
  rows.push({ case: 'raw 100', sync, steps, transactions: tx, ms });

  const commit = (id: string) => {
    const expectedNextSeq = next.get(id)!;
    next.set(id, expectedNextSeq + 1);
    return store.commit({
      now: T0,
      writes: [{ executionId: id, expectedNextSeq, events: [event(expectedNextSeq)] }],
    });
  };
  let before = store.stats.transactions;
  [steps, , ms] = await timed(async () => {
    await commit('e1');
    return 1;
  });
  rows.push({ case: 'store 1', sync, steps, transactions: store.stats.transactions - before, ms });

  before = store.stats.transactions;
  [steps, , ms] = await timed(async () => {
    await Promise.all(ids.map(commit));
    return ids.length;
  });
  rows.push({
    case: 'store 100',
    sync,
    steps,
    transactions: store.stats.transactions - before,
    ms,
  });

  await store.close();
  return rows;
}

/** What recovery reads: one history of 10,000 events, and 10,000 unfinished executions. */
async function recoveryReads(): Promise<string[]> {
  const store = openSqliteStore({ path: join(dir, 'recovery.db'), synchronous: 'NORMAL' });
  const ref = { namespace: 'b', name: 'w', version: '1', hash: 'h' };
  await store.putWorkflow({ ...ref, source: 's', createdAt: T0 });
  const start = (id: string) => {
    const startedEvent: HistoryEvent = {
      type: 'ExecutionStarted',
      v: 1,
      time: T0,
      workflow: ref,
      input: {},
      seed: 's',
    };
    return store.createExecution({ id, workflow: ref, input: {}, startedEvent });
  };
  await start('long');
  for (let seq = 2; seq <= 10_000; seq += 1000) {
    const events = Array.from({ length: Math.min(1000, 10_001 - seq) }, (_, i) => event(seq + i));
    await store.commit({
      now: T0,
      writes: [{ executionId: 'long', expectedNextSeq: seq, events }],
    });
  }
  for (let i = 0; i < 10_000; i += 1000) {
    await Promise.all(Array.from({ length: 1000 }, (_, j) => start(`r${i + j}`)));
  }
  let t = performance.now();
  const history = await store.loadHistory('long');
  const loadMs = performance.now() - t;
  t = performance.now();
  let found = 0;
  let after: string | undefined;
  for (;;) {
    const page = await store.unfinished({ limit: 1000, ...(after ? { after } : {}) });
    found += page.length;
    after = page[page.length - 1]?.id;
    if (page.length < 1000) break;
  }
  const listMs = performance.now() - t;
  await store.close();
  return [
    `loadHistory of ${history.length} events: ${loadMs.toFixed(1)} ms`,
    `unfinished(), ${found} executions in pages of 1000: ${listMs.toFixed(1)} ms`,
  ];
}

const rows = [...(await bench('FULL')), ...(await bench('NORMAL'))];
const recovery = await recoveryReads();
rmSync(dir, { recursive: true, force: true });

console.log(
  `weft store bench, ${new Date().toISOString()}, ${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
);
console.log(`node ${process.version}, ${seconds}s per case, temp folder ${tmpdir()}`);
console.log('');
console.log(
  '| case | synchronous | steps/s | µs per step | µs per transaction | steps per transaction |',
);
console.log('|---|---|---:|---:|---:|---:|');
for (const r of rows) {
  const perStep = (r.ms * 1000) / r.steps;
  const perTx = (r.ms * 1000) / r.transactions;
  console.log(
    `| ${r.case} | ${r.sync} | ${Math.round((r.steps / r.ms) * 1000)} | ${perStep.toFixed(1)} | ${perTx.toFixed(1)} | ${(r.steps / r.transactions).toFixed(1)} |`,
  );
}
console.log('');
for (const line of recovery) console.log(line);
