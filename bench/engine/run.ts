// Engine benchmarks on the embedded store (SQLite, synchronous=FULL), beside the raw cost
// of one SQLite commit and of a batched commit measured in the same run (issue 4):
//   npx tsx bench/engine/run.ts [--only chain40,throughput,fanout,timers,recovery]
//        [--executions 1000] [--items 10000] [--timers 100000] [--recover 10000] [--events 10000]
// Prints a table (markdown). Figures that chose a design are kept in docs/guarantees.md.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableEngine } from '../../src/runtime/durable/engine.js';
import { openSqliteStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg < 0 ? undefined : new Set(process.argv[onlyArg + 1]!.split(','));
const want = (b: string) => !only || only.has(b);

const rows: [string, string, string][] = [];
const row = (name: string, value: string, goal = '') => {
  rows.push([name, value, goal]);
  process.stderr.write(`${name}: ${value}\n`);
};
const dir = mkdtempSync(join(tmpdir(), 'weft-bench-engine-'));
let n = 0;
const fresh = (): Store =>
  openSqliteStore({ path: join(dir, `b${n++}.db`), synchronous: 'FULL', integrityCheck: 'none' });
const doc = (name: string, tasks: unknown[]) =>
  JSON.stringify({
    document: { dsl: '1.0.0', namespace: 'bench', name, version: '1.0.0' },
    do: tasks,
  });
const noop = { call: 'noop' };
function engineOn(store: Store): DurableEngine {
  const e = new DurableEngine({ store, env: {} });
  e.registerFunction('noop', () => ({}));
  return e;
}
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

// ---------------------------------------------------------------- raw commits
const rawPath = join(dir, 'raw.db');
const raw = new Database(rawPath);
raw.pragma('journal_mode = WAL');
raw.pragma('synchronous = FULL');
raw.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
const ins = raw.prepare('INSERT INTO t (body) VALUES (?)');
const one = raw.transaction((b: string) => ins.run(b));
const many = raw.transaction((k: number) => {
  for (let i = 0; i < k; i++) ins.run('{"type":"TaskCompleted","effectId":1,"result":{}}');
});
let t0 = process.hrtime.bigint();
for (let i = 0; i < 300; i++) one('{"type":"TaskCompleted","effectId":1,"result":{}}');
const rawOne = ms(t0) / 300;
t0 = process.hrtime.bigint();
for (let i = 0; i < 50; i++) many(100);
const rawBatch = ms(t0) / 50;
raw.close();
row('raw commit (1 row, FULL)', `${rawOne.toFixed(3)} ms`);
row('raw batched commit (100 rows, FULL)', `${rawBatch.toFixed(3)} ms`);

// ---------------------------------------------------------------- chain40
if (want('chain40')) {
  const store = fresh();
  const e = engineOn(store);
  const [ref] = await e.register(
    doc(
      'chain40',
      Array.from({ length: 40 }, (_, i) => ({ [`c${i}`]: noop })),
    ),
  );
  const per: number[] = [];
  for (let k = 0; k < 5; k++) {
    t0 = process.hrtime.bigint();
    await (await e.start(ref!, {})).result();
    per.push(ms(t0) / 41); // 40 call steps + the start
  }
  per.sort((a, b) => a - b);
  const step = per[2]!;
  row(
    'chain40: time per step (median of 5)',
    `${step.toFixed(3)} ms (${(step / rawOne).toFixed(2)}x raw commit)`,
    '<= 1.5x raw commit',
  );
  await e.close();
  await store.close();
}

// ---------------------------------------------------------------- throughput
if (want('throughput')) {
  const count = flag('executions', 1000);
  const store = fresh();
  const e = engineOn(store);
  const [ref] = await e.register(doc('three', [{ a: noop }, { b: noop }, { c: noop }]));
  // warm-up (JIT): the first cold round of 1,000 took 805 ms, the next ones 586-651 ms
  await Promise.all(
    (await Promise.all(Array.from({ length: 300 }, () => e.start(ref!, {})))).map((h) =>
      h.result(),
    ),
  );
  t0 = process.hrtime.bigint();
  const hs = await Promise.all(Array.from({ length: count }, () => e.start(ref!, {})));
  await Promise.all(hs.map((h) => h.result()));
  const took = ms(t0);
  row(
    `throughput: ${count} executions x 3 steps`,
    `${Math.round((count * 3) / (took / 1000))} steps/s (${took.toFixed(0)} ms)`,
    '>= 10,000 steps/s',
  );
  await e.close();
  await store.close();
}

// ---------------------------------------------------------------- fan-out
if (want('fanout')) {
  const items = flag('items', 10_000);
  const store = fresh();
  const e = engineOn(store);
  const [ref] = await e.register(
    doc('fan', [
      {
        each: {
          for: { each: 'x', in: '${ .xs }', concurrency: 1000 },
          do: [{ c: { call: 'noop', with: { x: '${ $x }' } } }],
        },
      },
    ]),
  );
  peak = process.memoryUsage().rss;
  t0 = process.hrtime.bigint();
  await (await e.start(ref!, { xs: Array.from({ length: items }, (_, i) => i) })).result();
  row(
    `fan-out: for concurrency 1000 over ${items} items`,
    `${ms(t0).toFixed(0)} ms, peak RSS ${mb(peak)}`,
    'peak RSS < 300 MB',
  );
  await e.close();
  await store.close();
}

// ---------------------------------------------------------------- timers
if (want('timers')) {
  const count = flag('timers', 100_000);
  const waitMs = flag('wait-ms', 20_000);
  const store = fresh();
  const e = engineOn(store);
  const [ref] = await e.register(doc('sleep', [{ w: { wait: { milliseconds: waitMs } } }]));
  // served as `weft worker` does: waiting executions unload from memory (claims.ts)
  await e.serve();
  const fireAt = new Map<string, number>();
  const lateness: number[] = [];
  e.on('history:appended', ({ executionId, events }) => {
    for (const ev of events) {
      if (ev.type === 'TimerStarted') fireAt.set(executionId, ev.fireAt);
      else if (ev.type === 'TimerFired') lateness.push(ev.time - fireAt.get(executionId)!);
    }
  });
  t0 = process.hrtime.bigint();
  const hs = [];
  for (let i = 0; i < count; i += 1000)
    hs.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(1000, count - i) }, () => e.start(ref!, {})),
      )),
    );
  const startedIn = ms(t0);
  const rssWaiting = process.memoryUsage().rss;
  await Promise.all(hs.map((h) => h.outcome));
  lateness.sort((a, b) => a - b);
  const p = (q: number) =>
    lateness[Math.min(lateness.length - 1, Math.floor(q * lateness.length))]!;
  row(
    `timers: ${count} executions waiting`,
    `started in ${startedIn.toFixed(0)} ms; RSS waiting ${mb(rssWaiting)}; lateness p50 ${p(0.5)} ms, p99 ${p(0.99)} ms`,
    'RSS < 500 MB, p99 < 1 s',
  );
  await e.close();
  await store.close();
}

// ---------------------------------------------------------------- recovery
if (want('recovery')) {
  const count = flag('recover', 10_000);
  const path = join(dir, 'recover.db');
  let store = openSqliteStore({ path, synchronous: 'FULL', integrityCheck: 'none' });
  let e = engineOn(store);
  const [ref] = await e.register(doc('hour', [{ a: noop }, { w: { wait: { hours: 1 } } }]));
  for (let i = 0; i < count; i += 1000)
    await Promise.all(Array.from({ length: Math.min(1000, count - i) }, () => e.start(ref!, {})));
  while ((await store.dueTimers(Date.now() + 7_200_000, count)).length < count)
    await new Promise((r) => setTimeout(r, 50));
  await e.close();
  await store.close();
  store = openSqliteStore({ path, synchronous: 'FULL', integrityCheck: 'none' });
  e = engineOn(store);
  t0 = process.hrtime.bigint();
  const { resumed } = await e.recover();
  row(`recovery: resume ${resumed.length} interrupted executions`, `${ms(t0).toFixed(0)} ms`);
  await e.close();
  await store.close();

  const events = flag('events', 10_000);
  const path2 = join(dir, 'long.db');
  store = openSqliteStore({ path: path2, synchronous: 'FULL', integrityCheck: 'none' });
  e = engineOn(store);
  const [long] = await e.register(
    doc('long', [
      {
        each: {
          for: { each: 'x', in: '${ .xs }' },
          do: [{ c: { call: 'noop', output: { as: '${ null }' } } }],
        },
      },
      { w: { wait: { hours: 1 } } },
    ]),
  );
  const h = await e.start(long!, {
    xs: Array.from({ length: Math.floor(events / 2) }, (_, i) => i),
  });
  while (!(await e.history(h.id, 0)).some((r) => r.event.type === 'TimerStarted'))
    await new Promise((r) => setTimeout(r, 100));
  const size = (await store.getExecution(h.id))!.nextSeq - 1;
  await e.close();
  await store.close();
  store = openSqliteStore({ path: path2, synchronous: 'FULL', integrityCheck: 'none' });
  e = engineOn(store);
  t0 = process.hrtime.bigint();
  await e.recover();
  row(`recovery: rebuild one execution of ${size} history events`, `${ms(t0).toFixed(0)} ms`);
  await e.close();
  await store.close();
}

clearInterval(sampler);
rmSync(dir, { recursive: true, force: true });
const date = new Date().toISOString().slice(0, 10);
process.stdout.write(`\n${date}, node ${process.version}, ${process.platform}/${process.arch}\n\n`);
process.stdout.write('| benchmark | result | goal |\n|---|---|---|\n');
for (const [a, b, c] of rows) process.stdout.write(`| ${a} | ${b} | ${c} |\n`);
