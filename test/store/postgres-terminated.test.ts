// A `weft worker` on PostgreSQL outlives its connections being ended by the server
// (pg_terminate_backend sends 57P01, "terminating connection due to administrator
// command", as a restart does): the pool's connections, idle or checked out, the LISTEN
// connection and the heartbeat thread's. In the multi-process chaos run (chaos/multi.ts)
// a worker SIGSTOPped across a PostgreSQL restart exited on an unhandled 57P01 when it was
// continued: an 'error' event nobody listened to. Here the backends of one real worker
// process (found by its application_name, which the store URL sets for all of them) are
// terminated while executions are in flight, waiting on timers and calling out, with the
// process stopped and running; it must stay up and complete every execution right.
// The cause, shown on its own: a connection pg-pool hands to a waiting pool.connect() in
// the middle of parsing a chunk whose end is the 57P01 (the store's pool now gives every
// connection a lifelong 'error' listener: src/store/postgres/open.ts). And the heartbeat
// thread: an error that kills it must not kill the process (heartbeat.ts).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Worker as Thread } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { DurableEngine } from '../../src/runtime/durable/engine.js';
import type { LeaseHeartbeat, PostgresStore } from '../../src/store/index.js';
import { clientEngine } from '../durable/fixtures/pg-workers.js';
import { doc, tick } from '../durable/helpers.js';
import { newExecution, seed } from './fixtures.js';
import {
  admin,
  describePg,
  dropSchema,
  freshSchema,
  openTestStore,
  pgUnavailable,
  pgUrl,
} from './pg-helpers.js';

const reason = await pgUnavailable();
const entry = new URL('../../src/cli/entry.ts', import.meta.url).pathname;
const storeModule = new URL('../../src/store/index.ts', import.meta.url).pathname;
const pgModule = createRequire(import.meta.url).resolve('pg');

interface Worker {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  applicationName: string;
}

/** A real `weft worker` whose every connection carries `applicationName`. */
function startWorker(schema: string, leaseMs: number): Worker {
  const applicationName = `weft_term_${randomBytes(4).toString('hex')}`;
  const url = new URL(pgUrl);
  url.searchParams.set('schema', schema);
  url.searchParams.set('pool', '4');
  // pg lets the connection string's parameters win over the store's application_name,
  // the heartbeat thread's included: every backend of this process has this name
  url.searchParams.set('application_name', applicationName);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      entry,
      'worker',
      '--store',
      url.toString(),
      '--name',
      applicationName,
      '--lease-ms',
      String(leaseMs),
      '--poll-ms',
      '100',
    ],
    { env: { ...process.env, WEFT_SERVER: '' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  return { child, stderr: () => stderr, exited, applicationName };
}

const alive = (w: Worker) => w.child.exitCode === null && w.child.signalCode === null;

/** Ends every backend of the worker (57P01 on each); how many there were. */
async function terminateAll(w: Worker): Promise<number> {
  const rows = await admin<{ ended: boolean }>(
    `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1`,
    [w.applicationName],
  );
  return rows.filter((r) => r.ended).length;
}

async function backends(w: Worker): Promise<number> {
  const [row] = await admin<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`,
    [w.applicationName],
  );
  return row!.n;
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick(20);
  }
}

// Run in a process of its own (a crash must not take the test runner down): a store with
// one pooled connection; a read (pool.query) holds it and a claim (a transaction) waits
// for it. The event loop is blocked, as SIGSTOP would, while the read's answer arrives
// and then the backend is terminated: both reach the socket, and pg parses them in one
// go. The read's answer hands the connection to the claim inside that parse, and the
// 57P01 behind it is emitted on the connection before the claim's code has run.
const handoff = `
import { spawnSync } from 'node:child_process';
import { openPostgresStore } from ${JSON.stringify(storeModule)};
const { PG_URL: url, SCHEMA: schema, APP: app } = process.env;
// terminates this store's backends after DELAY ms, blocking this process meanwhile
const terminate = (delay) => spawnSync(process.execPath, ['-e', \`
  const pg = require(\${JSON.stringify(${JSON.stringify(pgModule)})});
  (async () => {
    await new Promise((r) => setTimeout(r, \${delay}));
    const c = new pg.Client(\${JSON.stringify(url)});
    await c.connect();
    await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [\${JSON.stringify(app)}]);
    await c.end();
    await new Promise((r) => setTimeout(r, 200));
  })();\`], { stdio: 'inherit' });
const store = await openPostgresStore({ connectionString: url, schema, poolSize: 1, applicationName: app, now: 0 });
// a connection the pool opened for queries, not the one that ran the migrations
terminate(0);
await new Promise((r) => setTimeout(r, 100));
const ref = { namespace: 'test', name: 'none', version: '1.0.0' };
await store.getWorkflow(ref);
const outcome = (p) => p.then(() => 'ok', (e) => e.name + ' ' + (e.code ?? e.message));
const read = outcome(store.getWorkflow(ref));
const claim = outcome(store.claimWork({ worker: 'w', now: Date.now(), leaseMs: 1000, limit: 1 }));
await new Promise((r) => setImmediate(r)); // the read is on the wire, the claim waits
terminate(200);
process.stdout.write(JSON.stringify({ read: await read, claim: await claim }) + '\\n');
await store.close();
`;

describePg('a store whose connection is terminated while it hands it over', reason, () => {
  it('survives a 57P01 read in the same chunk as the answer that released the connection', async () => {
    const schema = freshSchema();
    try {
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', handoff],
        {
          env: {
            ...process.env,
            PG_URL: pgUrl,
            SCHEMA: schema,
            APP: `weft_term_${randomBytes(4).toString('hex')}`,
          },
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      expect(r.stderr).not.toMatch(/Unhandled 'error' event/);
      expect(r.status, r.stderr).toBe(0);
      // the read got its answer; the claim rode over the lost connection on a new one
      expect(JSON.parse(r.stdout)).toEqual({ read: 'ok', claim: 'ok' });
    } finally {
      await dropSchema(schema);
    }
  }, 90_000);
});

describePg('a worker whose PostgreSQL connections are terminated', reason, () => {
  let server: Server;
  let callUrl = '';
  let calls = 0;
  let schema = '';
  let store: PostgresStore | undefined;
  let client: DurableEngine | undefined;
  let worker: Worker | undefined;

  beforeAll(async () => {
    // answers after 50-400 ms, so calls are in flight when the connections go
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        calls++;
        const { n, step } = JSON.parse(body) as { n: number; step: number };
        setTimeout(
          () => {
            res.setHeader('content-type', 'application/json');
            res.end(JSON.stringify({ n, step, value: n * 10 + step }));
          },
          50 + Math.floor(Math.random() * 350),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    callUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/call`;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  afterEach(async () => {
    if (worker && alive(worker)) {
      worker.child.kill('SIGCONT');
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    worker = undefined;
    await client?.close();
    await store?.close();
    client = undefined;
    store = undefined;
    if (schema) await dropSchema(schema);
    schema = '';
  });

  const call = (step: number) => ({
    call: 'http',
    with: { method: 'post', endpoint: callUrl, body: { n: '${ .n }', step } },
  });

  /** A worker serving `count` executions (each: call, timer, call), started and in flight. */
  async function setUp(count: number, leaseMs = 2000) {
    schema = freshSchema();
    calls = 0;
    store = await openTestStore(schema);
    client = clientEngine(store);
    await client.register(
      doc('terminated', [
        { one: { ...call(1), export: { as: '${ { one: .value } }' } } },
        { pause: { wait: { milliseconds: 1500 } } },
        { two: call(2) },
        { done: { set: { n: '${ .n }', one: '${ $context.one }', two: '${ .value }' } } },
      ]),
    );
    const w = startWorker(schema, leaseMs);
    worker = w;
    await waitFor(() => /serving/.test(w.stderr()) || !alive(w), 'the worker to serve');
    expect(alive(w), w.stderr()).toBe(true);
    const handles = await Promise.all(
      Array.from({ length: count }, (_, n) =>
        client!.start({ namespace: 'test', name: 'terminated' }, { n }),
      ),
    );
    const results = handles.map((h) => h.result());
    for (const r of results) r.catch(() => undefined);
    return { w, handles, results };
  }

  /** Every execution completed with its output, and the worker is still up. */
  async function check(w: Worker, results: Promise<unknown>[]) {
    const crashed = w.exited.then(({ code, signal }) => {
      throw new Error(`the worker exited (code ${code}, signal ${signal}):\n${w.stderr()}`);
    });
    const outputs = await Promise.race([Promise.all(results), crashed]);
    expect(outputs).toEqual(results.map((_, n) => ({ n, one: n * 10 + 1, two: n * 10 + 2 })));
    // what the last terminate set off (reconnects, retries) has settled without a crash
    await tick(1500);
    expect(alive(w), w.stderr()).toBe(true);
    // (a failed claim round or commit is reported and survived: those lines may show)
    expect(w.stderr()).not.toMatch(/Unhandled 'error' event|Uncaught/);
    // nothing leaked: the pool's 4 connections at most, the LISTEN one and the heartbeat's
    expect(await backends(w)).toBeLessThanOrEqual(6);
  }

  it('survives its connections terminated while it was stopped (SIGSTOP ... SIGCONT)', async () => {
    const { w, results } = await setUp(30);
    // executions being claimed, loaded and calling: the pool is busy
    await waitFor(() => calls >= 3, 'the first calls');
    const before = await backends(w);
    expect(before).toBeGreaterThanOrEqual(3); // pool, LISTEN, heartbeat at least
    w.child.kill('SIGSTOP');
    await tick(500);
    expect(await terminateAll(w)).toBe(before);
    // stopped past its lease and idle_in_transaction_session_timeout, as in the chaos run
    await tick(3000);
    w.child.kill('SIGCONT');
    await check(w, results);
  }, 120_000);

  it('survives its connections terminated while it runs', async () => {
    const { w, results } = await setUp(30);
    await waitFor(() => calls >= 10, 'the first calls');
    expect(await terminateAll(w)).toBeGreaterThanOrEqual(3);
    await check(w, results);
  }, 120_000);

  it('survives its connections terminated again and again, stopped and running', async () => {
    const { w, results } = await setUp(40);
    await waitFor(() => calls >= 5, 'the first calls');
    for (let round = 0; round < 12 && alive(w); round++) {
      const stopped = round % 2 === 1;
      if (stopped) w.child.kill('SIGSTOP');
      await terminateAll(w);
      // new connections come up (the LISTEN one after 100 ms and more): end those too
      await tick(50 + Math.floor(Math.random() * 250));
      await terminateAll(w);
      if (stopped) {
        await tick(300);
        w.child.kill('SIGCONT');
      }
      await tick(Math.floor(Math.random() * 400));
    }
    await check(w, results);
  }, 180_000);
});

describePg('a heartbeat thread that fails', reason, () => {
  it('is replaced, without taking the process down, and the new one renews the leases held', async () => {
    const schema = freshSchema();
    const store = await openTestStore(schema);
    let heartbeat: LeaseHeartbeat | undefined;
    try {
      const wf = await seed(store, []);
      await store.createExecution(
        newExecution('e1', wf, { work: [{ key: 'ready', kind: 'ready', dueAt: 0 }] }),
      );
      const leaseMs = 1500;
      const [item] = await store.claimWork({ worker: 'w1', now: Date.now(), leaseMs, limit: 1 });
      expect(item?.executionId).toBe('e1');
      const hb = (heartbeat = store.leaseKeeper('w1', leaseMs));
      hb.hold([{ executionId: 'e1', key: 'ready' }]);
      await waitFor(() => hb.stats.rounds > 0, 'a first renewal', 10_000);
      // a message the thread cannot take: it throws, uncaught, and the thread dies with an
      // 'error' event on its Worker in this thread
      (hb as unknown as { thread: Thread }).thread.postMessage({ hold: 5 });
      await waitFor(() => hb.stats.restarts === 1, 'the thread to be replaced', 10_000);
      expect(hb.stats.lastError).toMatch(/the heartbeat thread failed: .*not iterable/);
      const rounds = hb.stats.rounds;
      await waitFor(() => hb.stats.rounds > rounds, 'a renewal by the new thread', 10_000);
      // past the claim's lease: it was renewed, so no one else can claim it
      await tick(leaseMs);
      const rival = await store.claimWork({ worker: 'w2', now: Date.now(), leaseMs, limit: 1 });
      expect(rival).toEqual([]);
    } finally {
      await heartbeat?.stop();
      await store.close();
      await dropSchema(schema);
    }
  }, 60_000);
});
