// Lease heartbeats from a worker thread: a step that blocks the event loop (a long jq
// expression, a synchronous library call, a GC pause of the main heap) must not lose its
// work items for want of a renewal. The thread has its own connection and its own event
// loop, renews the leases of the items the main thread holds every `intervalMs`
// (default leaseMs / 3) to `Date.now() + leaseMs`, and keeps no other state.
//
// A process that is stopped as a whole (SIGSTOP, a VM pause) stops its heartbeat too:
// its leases lapse, another worker claims the items, and the fence check refuses the
// stopped worker's late writes (docs/operations.md "Claiming work").
//
// Each round reports which executions it renewed and until when (onRenewed), over a port
// of its own that the main thread can also read synchronously (flush): the engine will
// not launch a call for an execution whose lease it cannot vouch for (Claims.lapsed), and
// must not think a lease lapsed only because its own event loop was too busy to read the
// report that renewed it.
//
// A thread that dies (an uncaught error in it is an 'error' event on its Worker here,
// which must not crash the process) is replaced by a new one holding the same items.

import { createRequire } from 'node:module';
import {
  MessageChannel,
  type MessagePort,
  Worker,
  receiveMessageOnPort,
} from 'node:worker_threads';
import type { Items } from './leases.js';
import { checkSchemaName } from './migrate.js';
import * as work from './sql/work.js';

export interface HeartbeatOptions {
  connectionString: string;
  schema?: string;
  /** The worker name the items were claimed with. */
  worker: string;
  leaseMs: number;
  intervalMs?: number;
  /** The store's agingSeconds (default 60): a renewal also moves the item's rank. */
  agingSeconds?: number;
  applicationName?: string;
}

// Runs in the thread (CommonJS, eval'd): plain JavaScript, no imports of ours.
const threadSource = `
const { parentPort, workerData: d } = require('node:worker_threads');
const pg = require(d.pgPath);
const held = new Map();
let client;
let busy = false;
async function connection() {
  if (client) return client;
  const c = new pg.Client({ connectionString: d.connectionString,
    options: '-c search_path=' + d.schema + ' -c synchronous_commit=off',
    application_name: d.applicationName });
  // for the client's whole life, also after it was dropped: an 'error' without a listener
  // would end the thread. A lost connection is closed here, never left open.
  c.on('error', () => {
    if (client === c) client = undefined;
    c.end().catch(() => undefined);
  });
  try {
    await c.connect();
  } catch (error) {
    c.end().catch(() => undefined);
    throw error;
  }
  client = c;
  return c;
}
async function beat() {
  if (busy || held.size === 0) return;
  busy = true;
  const items = [...held.values()];
  try {
    const c = await connection();
    const until = Date.now() + d.leaseMs;
    const r = await c.query(d.sql, [d.worker, items.map((i) => i.executionId),
      items.map((i) => i.key), until, d.agingMs]);
    d.reports.postMessage({ until, ids: r.rows.map((row) => row.execution_id) });
  } catch (error) {
    if (client) client.end().catch(() => undefined);
    client = undefined;
    d.reports.postMessage({ failed: String(error && error.message) });
  } finally {
    busy = false;
  }
}
const timer = setInterval(beat, d.intervalMs);
parentPort.on('message', (m) => {
  const id = (i) => i.executionId + '\\u0000' + i.key;
  for (const i of m.hold || []) held.set(id(i), i);
  for (const i of m.drop || []) held.delete(id(i));
  if (m.stop) {
    clearInterval(timer);
    Promise.resolve(client && client.end()).catch(() => undefined)
      .then(() => { d.reports.close(); parentPort.close(); });
  }
});
`;

/** What a renewal round reports: the executions renewed until `until`, or a failure. */
type Report = { until: number; ids: string[] } | { failed: string };

type Item = { executionId: string; key: string };
const itemId = (i: Item) => `${i.executionId}\u0000${i.key}`;

export class LeaseHeartbeat {
  private thread: Worker | undefined;
  private reports: MessagePort | undefined;
  private readonly workerData: Record<string, unknown>;
  private readonly restartMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  /** What the thread holds, kept here too: a thread that replaces a dead one takes it on. */
  private readonly held = new Map<string, Item>();
  private stopping = false;
  private stopped!: () => void;
  private readonly exited = new Promise<void>((resolve) => (this.stopped = resolve));
  private listener: ((executionIds: readonly string[], until: number) => void) | undefined;
  /** Renewal rounds the thread reported, and items renewed in them; threads replaced. */
  readonly stats = {
    rounds: 0,
    renewed: 0,
    failures: 0,
    lastError: undefined as string | undefined,
    restarts: 0,
  };

  constructor(options: HeartbeatOptions) {
    if (!Number.isSafeInteger(options.leaseMs) || options.leaseMs <= 0) {
      throw new RangeError('LeaseHeartbeat: leaseMs must be a positive integer');
    }
    const intervalMs = options.intervalMs ?? Math.max(1, Math.floor(options.leaseMs / 3));
    if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0 || intervalMs >= options.leaseMs) {
      throw new RangeError('LeaseHeartbeat: intervalMs must be a positive integer below leaseMs');
    }
    this.restartMs = Math.min(intervalMs, 1000);
    this.workerData = {
      pgPath: createRequire(import.meta.url).resolve('pg'),
      connectionString: options.connectionString,
      schema: checkSchemaName(options.schema ?? 'weft'),
      applicationName: options.applicationName ?? 'weft-heartbeat',
      worker: options.worker,
      leaseMs: options.leaseMs,
      intervalMs,
      agingMs: (options.agingSeconds ?? 60) * 1000,
      sql: `${work.renewLease} RETURNING w.execution_id`,
    };
    this.start();
  }

  private start(): void {
    this.restartTimer = undefined;
    const { port1, port2 } = new MessageChannel();
    const thread = new Worker(threadSource, {
      eval: true,
      transferList: [port2],
      workerData: { ...this.workerData, reports: port2 },
    });
    thread.unref();
    port1.on('message', (m: Report) => this.report(m));
    port1.unref();
    // An uncaught error in the thread is an 'error' event on `thread` here, and one
    // without a listener would crash the process; the thread then exits.
    thread.on('error', (error: unknown) => {
      this.stats.failures += 1;
      this.stats.lastError = `the heartbeat thread failed: ${String((error as Error)?.message ?? error)}`;
    });
    thread.once('exit', () => {
      this.take(port1);
      port1.close();
      this.thread = undefined;
      this.reports = undefined;
      if (this.stopping) return this.stopped();
      // Died: without a replacement every held lease would lapse. Not at once, in case it
      // dies again right away.
      this.stats.restarts += 1;
      this.restartTimer = setTimeout(() => this.start(), this.restartMs);
      this.restartTimer.unref();
    });
    this.thread = thread;
    this.reports = port1;
    if (this.held.size > 0) thread.postMessage({ hold: [...this.held.values()] });
  }

  private report(m: Report): void {
    if ('failed' in m) {
      this.stats.failures += 1;
      this.stats.lastError = m.failed;
      return;
    }
    this.stats.rounds += 1;
    this.stats.renewed += m.ids.length;
    this.listener?.(m.ids, m.until);
  }

  private take(port: MessagePort): void {
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port))
      this.report(m.message as Report);
  }

  /** Called after each round with the executions whose items it renewed, and until when. */
  onRenewed(fn: (executionIds: readonly string[], until: number) => void): void {
    this.listener = fn;
  }

  /** Takes the reports the thread sent and the event loop has not read yet, now. */
  flush(): void {
    if (this.reports) this.take(this.reports);
  }

  /** Keeps these items' leases alive until dropped. */
  hold(items: Items): void {
    const hold = items.map(({ executionId, key }) => ({ executionId, key }));
    for (const i of hold) this.held.set(itemId(i), i);
    this.thread?.postMessage({ hold });
  }

  drop(items: Items): void {
    const drop = items.map(({ executionId, key }) => ({ executionId, key }));
    for (const i of drop) this.held.delete(itemId(i));
    this.thread?.postMessage({ drop });
  }

  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      clearTimeout(this.restartTimer);
      if (this.thread) this.thread.postMessage({ stop: true });
      else this.stopped();
    }
    await this.exited;
  }
}
