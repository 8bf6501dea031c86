// Durable starts through HTTP: `npx tsx bench/http/run.ts [--seconds 10]`.
//
// Starts `weft serve` (SQLite store, synchronous=FULL, in a temporary WEFT_HOME) as a
// child process, registers a one-task workflow, then drives POST /api/v1/executions with
// autocannon from this process:
//   1. throughput: as many starts as 32 connections can push (each 201 means the
//      execution and its first history event are committed);
//   2. latency at a fixed offered rate of 500 starts/s (p50, p99), evenly paced by
//      paced.ts (open loop, latency from each request's due time);
//   3. the same with autocannon's overallRate, which sends each second's 500 in a burst
//      at the start of the second (paced.ts says why): the latency of a saturated server.
// Prints the figures (docs/benchmarks.md keeps them). It measures the durable engine,
// the server's only engine seam (src/server/durable-adapter.ts); the in-memory adapter
// whose figures docs/api.md keeps as historical rows was removed.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { paced } from './paced.js';

const at = process.argv.indexOf('--seconds');
// (indexOf -1 once made this read argv[0], the node path: NaN seconds, a 1 s run)
const seconds = at < 0 ? 10 : Number(process.argv[at + 1]);
if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('--seconds takes a positive number');
const home = mkdtempSync(join(tmpdir(), 'weft-bench-http-'));

const workflow = `document:
  dsl: '1.0.0'
  namespace: bench
  name: hello
  version: '1.0.0'
do:
  - greet:
      set:
        greeting: \${ "hello " + .name }
`;

async function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const entry = new URL('../../src/cli/entry.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', entry, 'serve', '--port', '0'], {
    env: { ...process.env, WEFT_HOME: home },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/\S+)\/api\/v1/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(stderr)));
  });
  return { child, url };
}

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) =>
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result))),
  );
}

const { child, url } = await startServer();
try {
  const reg = await fetch(`${url}/api/v1/workflows`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: workflow,
  });
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${await reg.text()}`);
  const request = {
    url: `${url}/api/v1/executions`,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workflow: { namespace: 'bench', name: 'hello' }, input: { name: 'b' } }),
  };
  // warm-up (JIT, SQLite page cache)
  await run({ ...request, connections: 8, duration: 2 });
  const max = await run({ ...request, connections: 32, duration: seconds });
  const even = await paced({ url: request.url, body: request.body, rate: 500, seconds });
  const fixed = await run({ ...request, connections: 32, duration: seconds, overallRate: 500 });
  const bad = (r: autocannon.Result) => r.non2xx + r.errors + r.timeouts;
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
  console.log(
    `throughput: ${Math.round(max.requests.average)} durable starts/s ` +
      `(32 connections, ${seconds} s, ${max.requests.total} starts, ${bad(max)} failed; ` +
      `p50 ${max.latency.p50} ms, p99 ${max.latency.p99} ms)`,
  );
  const f1 = (x: number) => x.toFixed(1);
  console.log(
    `at 500 starts/s offered, evenly paced: p50 ${f1(even.p50)} ms, p99 ${f1(even.p99)} ms, ` +
      `max ${f1(even.max)} ms (${even.sent} starts, ${even.failed} failed)`,
  );
  console.log(
    `at 500 starts/s offered by autocannon (a burst each second, 32 connections): ` +
      `p50 ${fixed.latency.p50} ms, p99 ${fixed.latency.p99} ms ` +
      `(${fixed.requests.total} starts, ${bad(fixed)} failed)`,
  );
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(home, { recursive: true, force: true });
}
