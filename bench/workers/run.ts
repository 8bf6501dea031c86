// The durable engine on PostgreSQL with worker processes (issue 6), beside the raw cost
// of one PostgreSQL commit round trip measured in the same run:
//   npx tsx bench/workers/run.ts [--executions 2000] [--rounds 3] [--workers 1,2,4]
//        [--latency 300] [--gap 20] [--pool 4] [--only raw,chain40,throughput,latency]
//        [--prof DIR]
// A fresh schema on WEFT_TEST_PG (default postgres://postgres@127.0.0.1:5432/test), dropped
// at the end. Prints a markdown table; figures go to docs/benchmarks.md. Never asserts.
//
//   raw commit     one connection: BEGIN / insert event / update execution / COMMIT, each
//                  awaited, synchronous_commit as the store's commits use it (the server's);
//                  and the least a commit costs: one prepared INSERT in autocommit
//   chain40        one execution of 40 sequential no-op calls, driven by this process
//                  (start() with runStarts true): time per step = total / 41
//   throughput     this process is a client (runStarts false) that starts N executions of
//                  3 no-op calls; W worker processes (worker.ts) claim and drive them.
//                  Steps = TaskCompleted events committed; time = first start() call to the
//                  last execution's final commit (its updated_at). A warm-up batch first,
//                  then the median of --rounds batches.
//   drain          the same N executions started while the W workers are up but not yet
//                  serving; time = the `serve` signal to the last final commit: what the
//                  workers sustain when starts are not the bottleneck
//   latency        workers idle and serving; one execution at a time, `--gap` ms apart,
//                  from the start() call to its first call running (the function runs right
//                  after the commit of its TaskStarted): driven here (runStarts true, no
//                  claim) and claimed by the workers (runStarts false: NOTIFY + claim)
// --prof DIR: the worker processes write CPU profiles there (node --cpu-prof).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { DurableEngine } from '../../src/runtime/durable/engine.js';
import { openPostgresStore } from '../../src/store/index.js';

const url = process.env['WEFT_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
};
const flag = (name: string, fallback: number) => Number(arg(name) ?? fallback);
const only = arg('only') ? new Set(arg('only')!.split(',')) : undefined;
const want = (b: string) => !only || only.has(b);
const executions = flag('executions', 2000);
const workerCounts = (arg('workers') ?? '1,2,4').split(',').map(Number);
const latencyCount = flag('latency', 300);
const gapMs = flag('gap', 20);
const workerPool = flag('pool', 4);
const rounds = flag('rounds', 3);
const profDir = arg('prof');
const schema = `weft_bench_${randomBytes(4).toString('hex')}`;

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const rows: [string, string, string][] = [];
const row = (name: string, value: string, goal = '') => {
  rows.push([name, value, goal]);
  process.stderr.write(`${name}: ${value}\n`);
};
const doc = (name: string, calls: string[]) =>
  JSON.stringify({
    document: { dsl: '1.0.0', namespace: 'bench', name, version: '1.0.0' },
    do: calls.map((call, i) => ({ [`c${i}`]: { call } })),
  });

// ------------------------------------------------------------------ worker processes
interface Worker {
  name: string;
  child: ChildProcess;
  open: Promise<void>;
  ready: Promise<void>;
  stats?: { transactions: number; commits: number; largestGroup: number };
  calls?: Record<string, { n: number; ms: number }>;
}
const stamps = new Map<string, (at: number) => void>();

function startWorker(name: string): Worker {
  const args = ['--import', 'tsx', new URL('./worker.ts', import.meta.url).pathname];
  if (profDir) args.unshift('--cpu-prof', '--cpu-prof-dir', profDir);
  const child = spawn(process.execPath, [...args, schema, name, String(workerPool)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const w: Worker = { name, child, open: Promise.resolve(), ready: Promise.resolve() };
  let opened = () => undefined as void;
  w.open = new Promise<void>((resolve) => (opened = resolve));
  w.ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`worker ${name} exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as Record<string, unknown>;
      if (m['open']) opened();
      else if (m['ready']) resolve();
      else if (typeof m['stamp'] === 'string') stamps.get(m['stamp'])?.(m['at'] as number);
      else if (m['stats']) {
        w.stats = m['stats'] as Worker['stats'];
        w.calls = m['calls'] as Worker['calls'];
      } else if (m['lost']) process.stderr.write(`worker ${name} lost ${String(m['lost'])}\n`);
    });
  });
  w.ready.catch(() => undefined);
  return w;
}

/** Tells the workers that wait for it to serve; returns when they all do. */
async function serve(ws: Worker[]): Promise<void> {
  await Promise.all(ws.map((w) => w.open));
  for (const w of ws) w.child.stdin!.write('serve\n');
  await Promise.all(ws.map((w) => w.ready));
}

async function stopWorker(w: Worker): Promise<void> {
  if (w.child.exitCode !== null) return;
  const exited = new Promise((r) => w.child.once('exit', r));
  w.child.kill('SIGTERM');
  await exited;
  if (w.stats)
    process.stderr.write(
      `${w.name}: ${w.stats.commits} commits in ${w.stats.transactions} transactions (largest ${w.stats.largestGroup}); ` +
        Object.entries(w.calls ?? {})
          .map(([k, c]) => `${k} ${c.n} x ${(c.ms / c.n).toFixed(1)} ms`)
          .join(', ') +
        '\n',
    );
}

// ------------------------------------------------------------------ setup
const store = await openPostgresStore({ connectionString: url, schema, poolSize: 10 });
const admin = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
await admin.connect();
const setting = async (name: string) =>
  (await admin.query<{ v: string }>(`SELECT current_setting($1) AS v`, [name])).rows[0]!.v;
const pgVersion = (await admin.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v;
const workers: Worker[] = [];

// Drives what it starts (runStarts true): chain40 and the local latency case.
const local = new DurableEngine({ store, env: {} });
// Only starts (runStarts false): the workers claim. Its handles watch the stored status
// every pollMs; we read completion from the store instead, so it polls rarely.
const client = new DurableEngine({
  store,
  env: {},
  worker: { name: 'bench-client', runStarts: false, pollMs: 60_000 },
});
const localStamps = new Map<string, number>();
local.registerFunction('noop', () => ({}));
local.registerFunction('stamp', (_a, ctx) => {
  localStamps.set(ctx.executionId, now());
  stamps.get(ctx.executionId)?.(now());
  return {};
});
client.registerFunction('noop', () => ({}));
client.registerFunction('stamp', () => ({}));
const chain40 = { namespace: 'bench', name: 'chain40' };
const three = { namespace: 'bench', name: 'three' };
const first = { namespace: 'bench', name: 'first' };
for (const e of [local, client]) {
  await e.register(
    doc(
      'chain40',
      Array.from({ length: 40 }, () => 'noop'),
    ),
  );
  await e.register(doc('three', ['noop', 'noop', 'noop']));
  await e.register(doc('first', ['stamp']));
}

try {
  // ---------------------------------------------------------------- raw commit
  let raw = NaN;
  let rawSingle = NaN;
  if (want('raw') || want('chain40')) {
    await (await local.start(first, {}, { executionId: 'raw' })).result();
    const c = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
    await c.connect();
    const body = JSON.stringify({ type: 'TaskCompleted', v: 1, time: 0, effectId: 1, result: {} });
    const times: number[] = [];
    let seq = 1000;
    for (let i = 0; i < 300; i++) {
      const t0 = now();
      await c.query('BEGIN');
      await c.query(
        'INSERT INTO history (execution_id, seq, type, v, time, body) VALUES ($1, $2, $3, $4, $5, $6)',
        ['raw', seq, 'TaskCompleted', 1, 0, body],
      );
      await c.query('UPDATE executions SET next_seq = $1, updated_at = $2 WHERE id = $3', [
        ++seq,
        0,
        'raw',
      ]);
      await c.query('COMMIT');
      times.push(now() - t0);
    }
    // The least a commit can cost: one prepared INSERT in autocommit, one round trip.
    const single: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t0 = now();
      await c.query({
        name: 'raw_single',
        text: 'INSERT INTO history (execution_id, seq, type, v, time, body) VALUES ($1, $2, $3, $4, $5, $6)',
        values: ['raw', ++seq, 'TaskCompleted', 1, 0, body],
      });
      single.push(now() - t0);
    }
    await c.end();
    raw = pct(times, 0.5);
    rawSingle = pct(single, 0.5);
    row(
      'raw commit round trip (BEGIN/insert/update/COMMIT, one connection)',
      `p50 ${raw.toFixed(2)} ms, p99 ${pct(times, 0.99).toFixed(2)} ms`,
    );
    row(
      'raw one-statement commit (a prepared INSERT in autocommit, one round trip)',
      `p50 ${rawSingle.toFixed(2)} ms, p99 ${pct(single, 0.99).toFixed(2)} ms`,
    );
  }

  // ---------------------------------------------------------------- chain40
  if (want('chain40')) {
    await (await local.start(chain40, {})).result(); // warm-up
    const per: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t0 = now();
      await (await local.start(chain40, {})).result();
      per.push((now() - t0) / 41); // 40 call steps + the start
    }
    const step = pct(per, 0.5);
    row(
      'chain40: time per step (median of 5)',
      `${step.toFixed(2)} ms = ${(step / raw).toFixed(2)}x raw commit ` +
        `(${(step / rawSingle).toFixed(2)}x the one-statement commit)`,
      '<= 2x raw commit',
    );
  }

  // ---------------------------------------------------------------- throughput
  /** Starts n executions; `go` (drain) then lets workers serve and times from there. */
  const batch = async (prefix: string, n: number, go?: () => Promise<void>) => {
    let t0 = Date.now();
    const started = now();
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        client.start(three, {}, { executionId: `${prefix}${i}` }),
      ),
    );
    const startsMs = now() - started;
    if (go) {
      t0 = Date.now();
      await go();
    }
    const like = `${prefix}%`;
    // Polled every 25 ms while the workers run, so it must cost PostgreSQL next to
    // nothing: the unfinished rows only, through executions_by_state. (It was a count over
    // every execution of the schema, a scan that grew with every round and took
    // PostgreSQL CPU from the workers it measured.)
    for (;;) {
      const { rows: left } = await admin.query<{ n: string }>(
        `SELECT count(*) AS n FROM executions WHERE state IN ('running', 'suspended') AND id LIKE $1`,
        [like],
      );
      if (Number(left[0]!.n) === 0) break;
      await sleep(25);
    }
    const { rows: r } = await admin.query<{ done: string; last: string | null }>(
      `SELECT count(*) FILTER (WHERE state = 'completed') AS done, max(updated_at) AS last
       FROM executions WHERE id LIKE $1`,
      [like],
    );
    if (Number(r[0]!.done) !== n)
      throw new Error(`batch ${prefix}: ${r[0]!.done} of ${n} executions completed`);
    const { rows: counted } = await admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM history WHERE execution_id LIKE $1 AND type = 'TaskCompleted'`,
      [like],
    );
    // When the executions finished, from t0: a long tail (a stalled worker, a missed
    // wake-up) shows here long before it moves the median rate.
    const { rows: q } = await admin.query<{ p: number[] }>(
      `SELECT percentile_disc(ARRAY[0.1, 0.5, 0.9, 0.99, 1.0]) WITHIN GROUP (ORDER BY updated_at) AS p
       FROM executions WHERE id LIKE $1`,
      [like],
    );
    const finished = q[0]!.p.map((x) => Number(x) - t0);
    process.stderr.write(
      `  ${prefix}: finished at p10/p50/p90/p99/max ${finished.join(' / ')} ms\n`,
    );
    return { steps: Number(counted[0]!.n), ms: Number(r[0]!.last) - t0, startsMs };
  };
  const byWorkers: number[] = [];
  const drained: number[] = [];
  if (want('throughput') || want('latency')) {
    const counts = want('throughput') ? workerCounts : [Math.max(...workerCounts)];
    for (const w of counts) {
      // a fresh set of w workers each time (the stats of the last set are printed at exit)
      await Promise.all(workers.splice(0).map(stopWorker));
      for (let i = 1; i <= w; i++) workers.push(startWorker(`w${w}.${i}`));
      if (!want('throughput')) {
        await serve(workers);
        break;
      }
      // they drain a backlog first (cold: their first executions warm them up)
      await Promise.all(workers.map((x) => x.open));
      const d = await batch(`drain${w}-`, executions, () => serve(workers));
      const drainRate = (d.steps / d.ms) * 1000;
      drained.push(drainRate);
      row(
        `drain: ${executions} executions x 3 steps started beforehand, ${w} worker process${w > 1 ? 'es' : ''}`,
        `${Math.round(drainRate)} steps/s (${d.ms} ms)` +
          (drained.length > 1 ? `, ${(drainRate / drained[0]!).toFixed(2)}x 1 worker` : ''),
      );
      await batch(`warm${w}-`, 300);
      // the median of `rounds` batches: one batch lasts 1-2 s, and the box is shared
      const runs = [];
      for (let r = 0; r < rounds; r++) runs.push(await batch(`t${w}.${r}-`, executions));
      const rates = runs.map((x) => (x.steps / x.ms) * 1000).sort((a, b) => a - b);
      const rate = pct(rates, 0.5);
      byWorkers.push(rate);
      const starts = pct(
        runs.map((x) => (executions / x.startsMs) * 1000),
        0.5,
      );
      row(
        `throughput: ${executions} executions x 3 steps, ${w} worker process${w > 1 ? 'es' : ''}`,
        `${Math.round(rate)} steps/s (median of ${rounds}: ${rates.map(Math.round).join(', ')}; starts ${Math.round(starts)}/s)` +
          (byWorkers.length > 1 ? `, ${(rate / byWorkers[0]!).toFixed(2)}x 1 worker` : ''),
        w === 4 ? '>= 5,000 steps/s' : '',
      );
    }
  }

  // ---------------------------------------------------------------- latency
  if (want('latency')) {
    for (const [engine, label] of [
      [local, 'driven by the starting process (runStarts true)'],
      [client, `claimed by ${workers.length} idle workers (runStarts false)`],
    ] as const) {
      const lat: number[] = [];
      for (let i = 0; i < 20 + latencyCount; i++) {
        const id = `lat-${engine === local ? 'l' : 'c'}-${i}`;
        const ran = new Promise<number>((resolve) => stamps.set(id, resolve));
        const t0 = now();
        await engine.start(first, {}, { executionId: id });
        const at = await ran;
        stamps.delete(id);
        if (i >= 20) lat.push(at - t0); // the first 20 warm up
        await sleep(gapMs);
      }
      row(
        `start to first step, idle, ${label}`,
        `p50 ${pct(lat, 0.5).toFixed(1)} ms, p99 ${pct(lat, 0.99).toFixed(1)} ms, max ${pct(lat, 1).toFixed(1)} ms (${latencyCount} starts, ${gapMs} ms apart)`,
        'p99 < 50 ms',
      );
    }
  }
} finally {
  await Promise.all(workers.map(stopWorker));
  await local.close();
  await client.close();
  await store.close();
  const sync = await setting('synchronous_commit');
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
  process.stdout.write(
    `\n${new Date().toISOString()}, ${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}, ` +
      `${pgVersion.split(' on ')[0]}, synchronous_commit=${sync}, worker pool ${workerPool}\n\n`,
  );
  process.stdout.write('| benchmark | result | goal |\n|---|---|---|\n');
  for (const [a, b, c] of rows) process.stdout.write(`| ${a} | ${b} | ${c} |\n`);
}
