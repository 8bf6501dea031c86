// The long chaos run (issue 4): many executions, the worker SIGKILLed again and again.
//   npx tsx chaos/run.ts [--executions 1000] [--kills 30] [--calls-between-kills 100] [--wait-ms 200]
//        [--requests 1]   (0: no suspend/resume requests from beside the worker)
//        [--cancel-every 4]   (every 4th request cancels a running execution; 0: none)
// Prints the counts (verify.ts) and exits 1 when any check failed.
import { runChaos } from './harness.js';
import { passed } from './verify.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} takes a non-negative integer`);
  return v;
}

// 1,000: the worker serves (claim rounds every 100 ms) and finished 500 before its 30th kill
const executions = flag('executions', 1000);
const counts = await runChaos({
  executions,
  kills: flag('kills', 30),
  callsBetweenKills: Math.max(1, flag('calls-between-kills', 100)),
  waitMs: flag('wait-ms', 200),
  requests: flag('requests', 1) === 1,
  cancelEvery: flag('cancel-every', 4),
  log: (line) => process.stderr.write(line + '\n'),
});
for (const [k, v] of Object.entries(counts)) process.stdout.write(`${k.padEnd(26)} ${v}\n`);
const ok = passed(counts, executions);
process.stdout.write(ok ? 'PASS\n' : 'FAIL\n');
process.exitCode = ok ? 0 : 1;
