// `weft worker [--store URL] [--name NAME] [--lease-ms N]`: serves the store (home.ts:
// --store, WEFT_STORE, or the SQLite file under $WEFT_HOME) until SIGINT/SIGTERM. At start
// every unfinished execution no live worker holds resumes (recovery); then it claims
// executions as they become due (woken by the store, or every --poll-ms, default 1000),
// e.g. ones left by a `weft run` that died (docs/operations.md "Claiming work").
// Timers fire from the recovered histories (a timer due while nothing ran fires at once).
// On SIGINT/SIGTERM it stops gracefully: effects in flight are aborted, nothing is ended,
// the executions resume with the next worker. One process per SQLite file at a time;
// on PostgreSQL, any number (docs/operations.md). --name, --lease-ms and --poll-ms are the
// engine's `worker` options (claims.ts); every commit the store refuses because another
// worker owns the execution is reported on stderr (refusals.ts).
import { DurableEngine } from '../runtime/durable/engine.js';
import { describeStore, openStoreFor, startupWaitMs } from '../runtime/durable/home.js';
import { defaultIdleInTransactionMs } from '../store/index.js';
import { reportRefusedCommits, unlessInUse } from './refusals.js';
import { defaultDrainMs, drainMs, drainThenClose, drainUsage, signalled } from './drain.js';
import { maxRecoveryAttempts, recoveryUsage } from './recovery.js';
import { retentionMs, retentionUsage } from './retention.js';
import { surviveStoreOutages } from './resilience.js';

const usage = `Usage: weft worker [--store URL] [--name NAME] [--lease-ms N] [--poll-ms N] [--drain-ms N] [--retention-hours N] [--max-recovery-attempts N] [--idempotency-header]

Serves the executions in the store until SIGINT or SIGTERM.
  --store URL             postgres://...[?schema=NAME&pool=N], sqlite:PATH or a path
                          (default $WEFT_STORE, else $WEFT_HOME/weft.db)
  --name NAME             this worker's name in work-item leases (default: host and pid)
  --lease-ms N            how long a claimed execution stays this worker's without renewal
  --poll-ms N             how often to look for executions to resume (default 1000)
  --idempotency-header    send every http/openapi call's idempotency key as Idempotency-Key
${drainUsage}${retentionUsage}${recoveryUsage}`;

function positiveInt(v: string | undefined): number | undefined {
  const n = Number(v);
  return v !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

export async function run(args: string[]): Promise<number> {
  surviveStoreOutages('weft worker');
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  let pollMs = 1000;
  let header = false;
  let storeUrl: string | undefined;
  let retention: number | undefined;
  let recoveries: number | undefined;
  let drain = defaultDrainMs;
  const worker: { name?: string; leaseMs?: number } = {};
  const fail = (m: string) => {
    process.stderr.write(`weft worker: ${m}\n`);
    return 2;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const [flag, inline] =
      a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = () => inline ?? args[++i];
    if (flag === '--poll-ms') {
      const n = positiveInt(value());
      if (n === undefined) return fail('--poll-ms takes a positive integer');
      pollMs = n;
    } else if (flag === '--lease-ms') {
      const n = positiveInt(value());
      if (n === undefined) return fail('--lease-ms takes a positive integer');
      worker.leaseMs = n;
    } else if (flag === '--name') {
      const v = value();
      if (v === undefined || v.trim() === '') return fail('--name needs a value');
      worker.name = v;
    } else if (flag === '--store') {
      storeUrl = value();
      if (storeUrl === undefined || storeUrl === '') return fail('--store needs a value');
    } else if (flag === '--drain-ms') {
      const ms = drainMs(value());
      if (typeof ms === 'string') return fail(ms);
      drain = ms;
    } else if (flag === '--retention-hours') {
      const ms = retentionMs(value());
      if (typeof ms === 'string') return fail(ms);
      retention = ms;
    } else if (flag === '--max-recovery-attempts') {
      const n = maxRecoveryAttempts(value());
      if (typeof n === 'string') return fail(n);
      recoveries = n;
    } else if (a === '--idempotency-header') header = true;
    else {
      process.stderr.write(`weft worker: unknown option '${a}'\n\n${usage}`);
      return 2;
    }
  }
  // A worker paused mid-commit must not keep its executions locked past its lease.
  const tuning =
    worker.leaseMs !== undefined
      ? { idleInTransactionMs: Math.min(defaultIdleInTransactionMs, worker.leaseMs) }
      : {};
  const opened = await openStoreFor('worker', storeUrl, { waitMs: startupWaitMs, tuning });
  if (typeof opened === 'number') return opened;
  const { store, spec } = opened;
  const engine = new DurableEngine({
    store,
    idempotencyHeader: header,
    worker: { ...worker, pollMs },
    ...(retention === undefined ? {} : { retentionMs: retention }),
    ...(recoveries === undefined ? {} : { limits: { maxRecoveryAttempts: recoveries } }),
  });
  reportRefusedCommits(engine, 'worker');
  const first = await unlessInUse('worker', engine, store, () => engine.serve());
  if (first === 2) return 2;
  process.stderr.write(
    `weft worker: serving ${describeStore(spec)} as ${engine.claims.options.name} (${first.resumed.length} resumed, ${first.parked.length} parked)\n`,
  );
  await signalled();
  await drainThenClose('worker', engine, drain);
  await store.close();
  process.stderr.write('weft worker: stopped\n');
  return 0;
}
