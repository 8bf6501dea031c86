// `weft worker`: serves the store under $WEFT_HOME until SIGINT/SIGTERM. At start every
// unfinished execution no live worker holds resumes (recovery); then it claims executions
// as they become due (woken by the store, or every --poll-ms, default 1000), e.g. ones left
// by a `weft run` that died (docs/operations.md "Claiming work").
// Timers fire from the recovered histories (a timer due while nothing ran fires at once).
// On SIGINT/SIGTERM it stops gracefully: effects in flight are aborted, nothing is ended,
// the executions resume with the next worker. One process per SQLite file at a time.
import { DurableEngine } from '../runtime/durable/engine.js';
import { homeStorePath, openHomeStore } from '../runtime/durable/home.js';

const usage = `Usage: weft worker [--poll-ms N] [--idempotency-header]

Serves the executions in $WEFT_HOME/weft.db until SIGINT or SIGTERM.
  --poll-ms N             how often to look for executions to resume (default 1000)
  --idempotency-header    send every http/openapi call's idempotency key as Idempotency-Key
`;

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  let pollMs = 1000;
  let header = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--poll-ms') {
      pollMs = Number(args[++i]);
      if (!Number.isInteger(pollMs) || pollMs <= 0) {
        process.stderr.write(`weft worker: --poll-ms takes a positive integer\n`);
        return 2;
      }
    } else if (a === '--idempotency-header') header = true;
    else {
      process.stderr.write(`weft worker: unknown option '${a}'\n\n${usage}`);
      return 2;
    }
  }
  const store = openHomeStore();
  const engine = new DurableEngine({ store, idempotencyHeader: header, worker: { pollMs } });
  const first = await engine.serve();
  process.stderr.write(
    `weft worker: serving ${homeStorePath()} as ${engine.claims.options.name} (${first.resumed.length} resumed, ${first.parked.length} parked)\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await engine.close();
  await store.close();
  process.stderr.write('weft worker: stopped\n');
  return 0;
}
