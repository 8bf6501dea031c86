// The multi-process chaos run (issue 6): one `weft serve` and N `weft worker` processes on
// one PostgreSQL schema; the server starts the executions over HTTP (Idempotency-Key),
// the workers claim and drive them; effects call the ledger (ledger.ts) on 127.0.0.1.
// Chaos is timed by progress (ledger calls, out of 2 per execution), so a slow machine
// sees the same storm as a fast one:
//   - `kills` SIGKILLs of random running workers, each restarted 0-300 ms later under
//     the same name (a restarted process claims again: fences, not names, must protect);
//   - `stops` SIGSTOPs of one worker for 3 leases + 2 s, then SIGCONT (its heartbeat
//     thread stops with it, so its leases lapse and others take its executions);
//   - optionally one restart of PostgreSQL itself (pg_ctlcluster), never in npm test.
// Then every process stops (SIGTERM) and verify.ts checks the histories and the ledger.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgresStore } from '../src/store/index.js';
import { explain } from './forensics.js';
import { type LedgerCall, startLedger } from './ledger.js';
import { restartPostgres, sql } from './pg.js';
import { type Refusal, WeftProc } from './procs.js';
import { registerChaosWorkflow, startAll } from './starts.js';
import { type ChaosCounts, passed, verify } from './verify.js';
import { type StopReport, stopPastLease } from './stop.js';

export interface MultiOptions {
  /** postgres://... of the database (without ?schema). */
  connectionString: string;
  /** A schema of its own, created by the processes, dropped at the end unless `keep`. */
  schema: string;
  executions: number;
  workers: number;
  kills: number;
  stops: number;
  /** Restart PostgreSQL once mid-run (pg_ctlcluster). Never in npm test: the database is shared. */
  dbRestart: boolean;
  /** The workers' --lease-ms. */
  leaseMs: number;
  /** The workflow's timer between its two effects. */
  waitMs: number;
  /** Give up waiting for the executions to end after this long. */
  timeoutMs: number;
  keep?: boolean;
  random?: () => number;
  log?: (line: string) => void;
}

export interface MultiCounts extends ChaosCounts {
  killsDone: number;
  restarts: number;
  /** Processes that exited without being killed (crashes): must be 0. */
  unexpectedExits: number;
  stop: StopReport | undefined;
  dbRestarts: number;
  dbRestartMs: number;
  /** Commits refused over the whole run (lease lost or sequence mismatch), every worker. */
  refusedCommits: number;
  startRetries: number;
  seconds: number;
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

export async function runMulti(o: MultiOptions): Promise<MultiCounts> {
  const random = o.random ?? Math.random;
  const log = o.log ?? (() => undefined);
  const began = Date.now();
  const home = mkdtempSync(join(tmpdir(), 'weft-multi-'));
  const url = `${o.connectionString}${o.connectionString.includes('?') ? '&' : '?'}schema=${o.schema}`;
  const refusals: Refusal[] = [];
  const counts = {
    killsDone: 0,
    restarts: 0,
    unexpectedExits: 0,
    stop: undefined as StopReport | undefined,
    dbRestarts: 0,
    dbRestartMs: 0,
    startRetries: 0,
    /** Executions a worker let go without launching a call: it could not vouch for its
     *  lease any more (`lease lapsed` lines, src/cli/refusals.ts). */
    leaseLapses: 0,
  };
  const db = { connectionString: o.connectionString, schema: o.schema };
  const ledger = await startLedger(40, random);
  const port = await freePort();
  const env = { WEFT_HOME: home, WEFT_STORE: url, WEFT_SERVER: '' };
  // The workflow calls http://ledger.chaos/effect; each worker process reaches the ledger
  // under a path of its own (w2.1 = worker w2, first incarnation), so every ledger call
  // says which process sent it. The server drives nothing and has no way to the ledger.
  const envOf = (name: string) => (incarnation: number) => ({
    ...env,
    WEFT_HOST_MAP: `ledger.chaos=${ledger.url}/${name}.${incarnation}`,
  });
  const onRefusal = (r: Refusal) => refusals.push(r);
  const onLine = (name: string, line: string) => {
    if (/: lease lapsed: /.test(line)) counts.leaseLapses++;
    if (!/commit refused|: lease lapsed: /.test(line)) log(`[${name}] ${line}`);
  };
  const server = new WeftProc({
    name: 'server',
    // the API only: the workers drive every execution (a driving server would keep what
    // it starts, and the workers would only see what lapses)
    args: ['serve', '--port', String(port), '--idempotency-header', '--no-worker'],
    env: () => env,
    onRefusal,
    onLine,
  });
  const workers = Array.from(
    { length: o.workers },
    (_, k) =>
      new WeftProc({
        name: `w${k + 1}`,
        args: [
          'worker',
          '--name',
          `w${k + 1}`,
          '--lease-ms',
          String(o.leaseMs),
          '--poll-ms',
          '250',
          '--idempotency-header',
          // The kills here are external and many, and the PostgreSQL restart lets every
          // lease lapse: an execution can be taken over 5 times in a row before it takes a
          // step (with the child and the retry of chaos/workflow.ts, 9-22 of 2,000 were
          // parked as dead-letter, and their parents waited for them). The bound is tested
          // on its own (test/durable/recovery.test.ts, worker.test.ts); as in chaos/run.ts,
          // it is set above what these kills can cause.
          '--max-recovery-attempts',
          '1000',
        ],
        env: envOf(`w${k + 1}`),
        onRefusal,
        onLine,
      }),
  );
  const all = [server, ...workers];
  let finishing = false;
  const killing = new Set<WeftProc>();
  // a process that exits on its own is a crash: count it, show its last lines, restart it
  const watch = (p: WeftProc) => {
    const incarnation = p.incarnation;
    void p.exited.then((exit) => {
      if (finishing || killing.has(p) || p.incarnation !== incarnation) return;
      counts.unexpectedExits++;
      log(`${p.name} exited on its own (${JSON.stringify(exit)}): ${p.tail.join(' | ')}`);
      p.start();
      counts.restarts++;
      watch(p);
    });
  };
  try {
    server.start();
    watch(server);
    const listening = server.waitForLine(/listening on (http:\/\/\S+)\/api\/v1/, 60_000);
    for (const w of workers) {
      w.start();
      watch(w);
    }
    const api = `${(await listening)[1]}/api/v1`;
    await registerChaosWorkflow(api, 'http://ledger.chaos', o.waitMs);

    // the storm, by progress: thresholds on the ledger's call count
    const total = 2 * o.executions;
    const at = (lo: number, hi: number) => Math.floor(total * (lo + random() * (hi - lo)));
    const events: { at: number; run: () => Promise<void> }[] = [];
    for (let k = 0; k < o.kills; k++) events.push({ at: at(0.05, 0.85), run: () => killOne() });
    for (let k = 0; k < o.stops; k++)
      events.push({
        at: at(0.25, 0.45),
        run: async () => {
          // the worker holding the most executions now, so that there is work to take over
          const held = new Map(
            (
              await sql<{ by: string; n: string }>(
                o.connectionString,
                `SELECT claimed_by AS by, count(*) AS n FROM "${o.schema}".work
                 WHERE claimed_by IS NOT NULL AND lease_until > $1 GROUP BY claimed_by`,
                [Date.now()],
              ).catch(() => [])
            ).map((r) => [r.by, Number(r.n)]),
          );
          const live = workers.filter((w) => w.alive && !w.stopped && !killing.has(w));
          live.sort((a, b) => (held.get(b.name) ?? 0) - (held.get(a.name) ?? 0));
          const victim = live[0];
          if (!victim) return;
          counts.stop = await stopPastLease(victim, db, o.leaseMs, log);
        },
      });
    if (o.dbRestart)
      events.push({
        at: at(0.5, 0.7),
        run: async () => {
          log('restarting PostgreSQL');
          counts.dbRestartMs = await restartPostgres();
          counts.dbRestarts++;
          log(`PostgreSQL restarted in ${counts.dbRestartMs} ms`);
        },
      });
    events.sort((a, b) => a.at - b.at);
    const running: Promise<void>[] = [];
    ledger.onCall = () => {
      while (events.length > 0 && ledger.calls.length >= events[0]!.at)
        running.push(events.shift()!.run());
    };
    async function killOne(): Promise<void> {
      // every worker may be stopped or restarting just now: wait for one (up to 30 s)
      let victim: WeftProc | undefined;
      for (let i = 0; i < 300 && !victim && !finishing; i++) {
        const live = workers.filter((w) => w.alive && !w.stopped && !killing.has(w));
        victim = live[Math.floor(random() * live.length)];
        if (!victim) await sleep(100);
      }
      if (!victim) return;
      killing.add(victim);
      victim.signal('SIGKILL');
      await victim.exited;
      counts.killsDone++;
      log(`killed ${victim.name}#${victim.incarnation} at ${ledger.calls.length} ledger calls`);
      await sleep(Math.floor(random() * 300));
      victim.start();
      counts.restarts++;
      killing.delete(victim);
      watch(victim);
    }

    const starts = await startAll(api, o.executions, 16, 120_000);
    counts.startRetries = starts.retries;
    log(`started ${starts.started} executions (${starts.retries} retried starts)`);
    const deadline = began + o.timeoutMs;
    let ended = 0;
    while (Date.now() < deadline) {
      const [row] = await sql<{ n: string }>(
        o.connectionString,
        `SELECT count(*) AS n FROM "${o.schema}".executions WHERE state IN ('completed','faulted','cancelled','parked') AND parent_id IS NULL`,
      ).catch(() => [{ n: '-1' }]);
      ended = Number(row!.n);
      if (ended >= o.executions && events.length === 0) break;
      await sleep(500);
    }
    await Promise.all(running);
    log(`${ended} of ${o.executions} executions ended after ${Date.now() - began} ms`);
  } finally {
    finishing = true;
    ledger.onCall = undefined;
    await Promise.all(all.map((p) => p.stop()));
    await ledger.close();
    rmSync(home, { recursive: true, force: true });
  }
  const store = await openPostgresStore({
    connectionString: o.connectionString,
    schema: o.schema,
    poolSize: 4,
  });
  try {
    // A call that arrives after the effect's result was recorded is a re-run unless it came
    // from a stale holder: a worker process that had begun it while it held the claim,
    // then lost the claim (paused by SIGSTOP, or too slow to renew) and had its next commit
    // on that execution refused with lease-lost. The new owner, having found the effect in
    // flight, ran it again and recorded it first. Such calls carry the same idempotency key
    // (that is what protects the service) and are counted apart (delayedAfterRecorded). A
    // worker that relaunched an effect from a stale history would hold the newest claim,
    // so its refusal would be a sequence mismatch, not lease-lost: not excused.
    const lostAt = new Map<string, number>();
    for (const r of refusals)
      if (r.code === 'lease-lost') {
        const k = `${r.executionId} ${r.name}.${r.incarnation}`;
        lostAt.set(k, Math.max(lostAt.get(k) ?? 0, r.at));
      }
    // The stopped worker's calls sent in the first 2 s after SIGCONT for effects started
    // before its SIGSTOP are the same thing, seen from the other side: begun before the
    // pause (its refused commit may come too late to be seen, after the run ended).
    const stop = counts.stop;
    const stopped = stop && `${stop.name}.${stop.incarnation}`;
    const delays: number[] = [];
    const delayed = (call: LedgerCall, startedAt: number) => {
      const id = call.key?.split('/')[0] ?? '';
      const lost = lostAt.get(`${id} ${call.by}`);
      if (lost !== undefined && lost >= call.at) {
        delays.push(lost - call.at);
        return true;
      }
      return (
        stop !== undefined &&
        call.by === stopped &&
        call.at >= stop.continuedAt &&
        call.at <= stop.continuedAt + 2000 &&
        startedAt < stop.stoppedAt
      );
    };
    const v = await verify(store, o.executions, ledger.calls, delayed);
    if (v.suspects?.length) await explain(store, v.suspects, ledger.calls, refusals, log);
    if (delays.length > 0)
      log(`stale holders' late calls, ms before their refused commit: ${delays.join(', ')}`);
    for (const r of v.reRuns ?? []) {
      const all = ledger.calls.filter((x) => x.key === r.key);
      log(
        `re-run after recorded: ${r.key} called by ${r.by} at ${clock(r.at)}, result recorded at ${clock(r.recordedAt)}; ` +
          `every call: ${all.map((x) => `${x.by}@${clock(x.at)}`).join(' ')}`,
      );
    }
    return {
      ...v,
      ...counts,
      refusedCommits: refusals.length,
      stop: counts.stop && { ...counts.stop, ...lateWrites(counts.stop, refusals) },
      seconds: Math.round((Date.now() - began) / 100) / 10,
    };
  } finally {
    await store.close();
    if (!o.keep)
      await sql(o.connectionString, `DROP SCHEMA IF EXISTS "${o.schema}" CASCADE`).catch(
        () => undefined,
      );
  }
}

/** The stopped worker's late writes, from the refused-commit lines (see StopReport). */
function lateWrites(stop: StopReport, refusals: Refusal[]) {
  const held = new Set(stop.heldIds);
  const after = refusals.filter((r) => r.at >= stop.continuedAt && held.has(r.executionId));
  const mine = after.filter((r) => r.name === stop.name && r.incarnation === stop.incarnation);
  const others = after.filter((r) => !mine.includes(r));
  const byCode = (rs: Refusal[]) =>
    [...new Set(rs.map((r) => r.code))].map((k) => `${k} ${rs.filter((r) => r.code === k).length}`);
  return {
    lateWritesRefused: mine.length,
    othersRefusedOnHeld: others.length,
    othersRefusedOnHeldBy: byCode(others).join(', '),
    othersOutOfTurnOnHeld: others.filter((r) => r.code !== 'lease-lost').length,
    refusedAfterContinue: refusals.filter(
      (r) => r.name === stop.name && r.incarnation === stop.incarnation && r.at >= stop.continuedAt,
    ).length,
  };
}

/** The checks of a run; empty when it passed (verify.ts's, and the multi-process ones). */
export function failedChecks(c: MultiCounts, o: MultiOptions): string[] {
  const failed: string[] = [];
  const check = (ok: boolean, what: string) => ok || failed.push(what);
  check(passed(c, o.executions), 'verify.ts (outputs, re-runs, keys, timers)');
  check(c.unexpectedExits === 0, 'no process exited on its own');
  check(c.killsDone === o.kills, `all ${o.kills} kills done`);
  check(c.dbRestarts === (o.dbRestart ? 1 : 0), 'the database restart happened');
  if (o.stops > 0) {
    check(c.stop !== undefined, 'the SIGSTOP happened');
    check((c.stop?.takenOver ?? 0) > 0, "other workers took over the stopped worker's executions");
    check(c.stop?.othersOutOfTurnOnHeld === 0, 'no late write of the stopped worker got through');
  }
  return failed;
}
