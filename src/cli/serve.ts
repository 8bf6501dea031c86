// `weft serve [--port 8080] [--host 127.0.0.1] [--store URL]`: the HTTP API, the WebSocket
// streams and the durable engine on the store (home.ts: --store, WEFT_STORE, or the SQLite
// file under $WEFT_HOME, default ./.weft; keys and schedules stay under $WEFT_HOME). Without an
// active API key ($WEFT_HOME/keys.json) every caller is an admin, so the server then
// listens on a loopback address only and says so on stderr.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { parseFlags, str } from '../client/args.js';
import { DurableEngine } from '../runtime/durable/engine.js';
import { DurableAdapter } from '../server/durable-adapter.js';
import { ApprovalInbox } from '../server/approvals.js';
import { Scheduler, withSchedules } from '../server/schedules.js';
import { KeyRing, keysFile } from '../server/keys.js';
import { serve } from '../server/serve.js';
import { HookRegistry, hooksFile } from '../server/webhooks.js';
import { describeStore, openStoreFor, startupWaitMs } from '../runtime/durable/home.js';
import { reportRefusedCommits, unlessInUse } from './refusals.js';
import { defaultDrainMs, drainMs, drainThenClose, drainUsage, signalled } from './drain.js';
import { maxRecoveryAttempts, recoveryUsage } from './recovery.js';
import { retentionMs, retentionUsage } from './retention.js';
import { surviveStoreOutages } from './resilience.js';

const usage = `Usage: weft serve [--port 8080] [--host 127.0.0.1] [--store URL] [--drain-ms N] [--retention-hours N] [--max-recovery-attempts N] [--idempotency-header]

Serves the HTTP API under /api/v1 (docs/api.md).
Without API keys (weft keys create) it listens on 127.0.0.1 only.
  --store URL             postgres://...[?schema=NAME&pool=N], sqlite:PATH or a path
                          (default $WEFT_STORE, else $WEFT_HOME/weft.db)
  --idempotency-header    send every http/openapi call's idempotency key as Idempotency-Key
  --no-worker             the API only (PostgreSQL): executions it starts are left for
                          'weft worker' processes to claim; it drives none itself
${drainUsage}${retentionUsage}${recoveryUsage}`;

const loopback = new Set(['127.0.0.1', '::1', 'localhost']);

export async function run(args: string[]): Promise<number> {
  surviveStoreOutages('weft serve');
  if (args.includes('--help')) {
    process.stdout.write(usage);
    return 0;
  }
  const p = parseFlags(
    args,
    ['port', 'host', 'store', 'retention-hours', 'drain-ms', 'max-recovery-attempts'],
    ['idempotency-header', 'no-worker'],
  );
  if (typeof p === 'string' || p.positionals.length > 0) {
    process.stderr.write(
      `weft serve: ${typeof p === 'string' ? p : 'no arguments expected'}\n\n${usage}`,
    );
    return 2;
  }
  const port = Number(str(p, 'port') ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`weft serve: --port must be 0..65535\n`);
    return 2;
  }
  const drainArg = str(p, 'drain-ms');
  const drain = drainArg === undefined ? defaultDrainMs : drainMs(drainArg);
  if (typeof drain === 'string') {
    process.stderr.write(`weft serve: ${drain}\n`);
    return 2;
  }
  const retentionArg = str(p, 'retention-hours');
  const retention = retentionArg === undefined ? undefined : retentionMs(retentionArg);
  if (typeof retention === 'string') {
    process.stderr.write(`weft serve: ${retention}\n`);
    return 2;
  }
  if (retention !== undefined && p.flags.has('no-worker')) {
    process.stderr.write(
      `weft serve: --retention-hours needs the embedded worker: with --no-worker, give it to the 'weft worker' processes\n`,
    );
    return 2;
  }
  const recoveriesArg = str(p, 'max-recovery-attempts');
  const recoveries = recoveriesArg === undefined ? undefined : maxRecoveryAttempts(recoveriesArg);
  if (typeof recoveries === 'string') {
    process.stderr.write(`weft serve: ${recoveries}\n`);
    return 2;
  }
  const home = process.env.WEFT_HOME ?? '.weft';
  mkdirSync(home, { recursive: true });
  const keys = new KeyRing(keysFile());
  let host = str(p, 'host') ?? '127.0.0.1';
  if (!keys.active()) {
    if (!loopback.has(host)) {
      process.stderr.write(
        `weft serve: no API keys exist, so the server may only listen on a loopback address, not ${host}; create one with 'weft keys create'\n`,
      );
      return 2;
    }
    host = host === 'localhost' ? '127.0.0.1' : host;
    process.stderr.write(
      `weft serve: no API keys: every caller is an admin, listening on ${host} only\n`,
    );
  }
  const opened = await openStoreFor('serve', str(p, 'store'), { waitMs: startupWaitMs });
  if (typeof opened === 'number') return opened;
  const { store, spec } = opened;
  const drive = !p.flags.has('no-worker');
  if (!drive && spec.kind !== 'postgres') {
    await store.close();
    process.stderr.write(
      `weft serve: --no-worker needs a PostgreSQL store (--store postgres://...): a SQLite file is served by one process\n`,
    );
    return 2;
  }
  const durable = new DurableEngine({
    store,
    idempotencyHeader: p.flags.has('idempotency-header'),
    worker: { runStarts: drive },
    ...(retention === undefined ? {} : { retentionMs: retention }),
    ...(recoveries === undefined ? {} : { limits: { maxRecoveryAttempts: recoveries } }),
  });
  reportRefusedCommits(durable, 'serve');
  // the embedded worker: executions left unfinished by the last run resume here before
  // requests arrive, then it claims work as it becomes due (docs/operations.md); with
  // --no-worker nothing is claimed here
  const first = drive
    ? await unlessInUse('serve', durable, store, () => durable.serve())
    : { resumed: [], parked: [] };
  if (first === 2) return 2;
  const { resumed, parked } = first;
  if (resumed.length + parked.length > 0)
    process.stderr.write(
      `weft serve: resumed ${resumed.length} execution(s), parked ${parked.length}\n`,
    );
  const adapter = new DurableAdapter(durable);
  const approvals = new ApprovalInbox(adapter, store);
  await approvals.rebuild();
  // schedule.every/cron/after/on of registered workflows (docs/api.md "Schedules")
  const scheduler = new Scheduler(adapter, store, join(home, 'schedules.json'));
  await scheduler.load();
  scheduler.run(1000);
  const engine = withSchedules(adapter, scheduler);
  const server = await serve({
    engine,
    keys,
    hooks: new HookRegistry(hooksFile()),
    approvals,
    host,
    port,
  });
  process.stderr.write(
    `weft serve: listening on ${server.url}/api/v1, store ${describeStore(spec)}\n`,
  );
  await signalled();
  await server.close();
  scheduler.stop();
  await drainThenClose('serve', durable, drain);
  approvals.close();
  await adapter.close();
  await store.close();
  return 0;
}
