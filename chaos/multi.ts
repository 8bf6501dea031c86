// The multi-process chaos run of issue 6 (multi-run.ts): one `weft serve` and four
// `weft worker` processes on PostgreSQL, workers SIGKILLed and restarted at random, one
// SIGSTOPped past its lease, PostgreSQL restarted once.
//   npx tsx chaos/multi.ts [--executions 2000] [--workers 4] [--kills 12] [--stops 1]
//       [--lease-ms 2000] [--wait-ms 200] [--timeout-s 900] [--no-db-restart] [--keep]
//       [--verbose] [--pg postgres://postgres@127.0.0.1:5432/test]
// Restarting PostgreSQL interrupts everything else on that server: use --no-db-restart
// on a shared one. Prints the counts and exits 1 when any check failed.
import { randomBytes } from 'node:crypto';
import { failedChecks, runMulti } from './multi-run.js';

const argv = process.argv.slice(2);
function flag(name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} takes a non-negative integer`);
  return v;
}
const pgIndex = argv.indexOf('--pg');
const connectionString =
  pgIndex >= 0
    ? argv[pgIndex + 1]!
    : (process.env.WEFT_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test');
const verbose = argv.includes('--verbose');
const options = {
  connectionString,
  schema: `weft_chaos_${Math.floor(Date.now() / 1000)}_${randomBytes(3).toString('hex')}`,
  executions: flag('executions', 2000),
  workers: Math.max(1, flag('workers', 4)),
  kills: flag('kills', 12),
  stops: Math.min(1, flag('stops', 1)),
  dbRestart: !argv.includes('--no-db-restart'),
  leaseMs: Math.max(1, flag('lease-ms', 2000)),
  waitMs: flag('wait-ms', 200),
  timeoutMs: flag('timeout-s', 900) * 1000,
  keep: argv.includes('--keep'),
  log: (line: string) => {
    if (verbose || !line.startsWith('['))
      process.stderr.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`);
  },
};
process.stderr.write(`schema ${options.schema}\n`);
const c = await runMulti(options);
const { stop, reRuns: _reRuns, suspects: _suspects, ...rest } = c;
for (const [k, v] of Object.entries(rest)) process.stdout.write(`${k.padEnd(26)} ${v}\n`);
if (stop) {
  const { heldIds: _ids, continuedAt: _at, ...s } = stop;
  for (const [k, v] of Object.entries(s)) process.stdout.write(`stop.${k.padEnd(21)} ${v}\n`);
}
const failed = failedChecks(c, options);
for (const f of failed) process.stdout.write(`FAILED: ${f}\n`);
process.stdout.write(failed.length === 0 ? 'PASS\n' : 'FAIL\n');
process.exitCode = failed.length === 0 ? 0 : 1;
