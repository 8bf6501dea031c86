// A worker process for bench/workers/run.ts: serves a PostgreSQL schema until SIGTERM and
// reports on stdout, one JSON line each:
//   {open}                       store open, functions registered; waits for a line
//                                `serve` on stdin (the bench gives it a backlog first)
//   {ready}                      serve() returned (idle, listening, polling)
//   {stamp, at}                  the `stamp` function ran for execution `stamp` at `at`
//                                (ms since the epoch, sub-ms: performance.timeOrigin + now)
//   {stats}                      at exit: the store's group-commit counters
//   npx tsx bench/workers/worker.ts SCHEMA NAME POOL_SIZE
// Run with `node --cpu-prof --cpu-prof-dir=DIR --import tsx` for a profile (run.ts --prof).
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { DurableEngine } from '../../src/runtime/durable/engine.js';
import { openPostgresStore } from '../../src/store/index.js';

const url = process.env['WEFT_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const [schema, name, pool] = process.argv.slice(2);
const say = (line: object) => process.stdout.write(JSON.stringify(line) + '\n');
const store = await openPostgresStore({
  connectionString: url,
  schema: schema!,
  poolSize: Number(pool),
  applicationName: `weft-bench-${name!}`,
});
// Where a worker waits: count and total time of each store call (printed at exit).
const calls = new Map<string, { n: number; ms: number }>();
for (const method of [
  'getExecution',
  'noteRecoveryAttempt',
  'loadHistory',
  'claimFenced',
  'commit',
  'getWorkflow',
  'releaseWork',
] as const) {
  const original = (store[method] as (...a: unknown[]) => Promise<unknown>).bind(store);
  (store as unknown as Record<string, unknown>)[method] = async (...a: unknown[]) => {
    const t0 = performance.now();
    try {
      return await original(...a);
    } finally {
      const c = calls.get(method) ?? { n: 0, ms: 0 };
      c.n += 1;
      c.ms += performance.now() - t0;
      calls.set(method, c);
    }
  };
}
const engine = new DurableEngine({ store, env: {}, worker: { name: name! } });
engine.registerFunction('noop', () => ({}));
engine.registerFunction('stamp', (_args, ctx) => {
  say({ stamp: ctx.executionId, at: performance.timeOrigin + performance.now() });
  return {};
});
engine.on('execution:lost', (e) => say({ lost: e.executionId, reason: e.reason }));
say({ open: name });
const commands = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => commands.on('line', (l) => l === 'serve' && resolve()));
commands.close();
process.stdin.destroy(); // an open stdin would keep the process alive after close()
await engine.serve();
say({ ready: name });
await new Promise<void>((resolve) => process.once('SIGTERM', resolve));
await engine.close();
say({ stats: store.stats, calls: Object.fromEntries(calls) });
await store.close();
