// A process paused in the middle of a commit transaction (SIGSTOP, a VM or GC pause)
// holds the row locks of the work items its commit named. Claims skip locked rows, so
// those executions could not be taken over, however long past their lease, until the
// process woke up: CI once saw a SIGSTOPped worker keep all 10 of its executions for 5 s
// with a 1 s lease. PostgreSQL ends such a session after `idleInTransactionMs`; these
// tests pause a real committing process inside a transaction and watch the locks.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { describePg, freshSchema, pgUnavailable, pgUrl } from './pg-helpers.js';

const unavailable = await pgUnavailable();
const child = fileURLToPath(new URL('./fixtures/pg-paused-committer.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const procs: ChildProcess[] = [];
const schemas: string[] = [];

afterEach(async () => {
  for (const p of procs.splice(0)) {
    p.kill('SIGCONT');
    p.kill('SIGKILL');
  }
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  for (const s of schemas.splice(0)) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await c.end();
});

/** Starts the committer; resolves with it and a way to wait for its next `ack`. */
async function committer(schema: string, app: string, idleMs: number) {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, schema, app, String(idleMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  procs.push(proc);
  let acks = 0;
  let wake: (() => void) | undefined;
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const m = /^ack (\d+)$/.exec(line);
    if (m) acks = Number(m[1]);
    if (line === 'ready' || m) wake?.();
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const next = async (more: number) => {
    const target = acks + more;
    while (acks < target) {
      await Promise.race([new Promise<void>((r) => (wake = r)), exited.then(() => {})]);
      if (proc.exitCode !== null) throw new Error(`the committer exited with ${proc.exitCode}`);
    }
  };
  return { proc, next, acks: () => acks };
}

/** How many of the schema's work rows another session can lock right now. */
async function lockable(db: pg.Client, schema: string): Promise<number> {
  await db.query('BEGIN');
  try {
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM "${schema}".work FOR UPDATE SKIP LOCKED) x`,
    );
    return Number(rows[0]!.n);
  } finally {
    await db.query('ROLLBACK');
  }
}

async function idleInTransaction(db: pg.Client, app: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_stat_activity
     WHERE application_name = $1 AND state = 'idle in transaction'`,
    [app],
  );
  return Number(rows[0]!.n);
}

/** SIGSTOPs the process at a moment when its open transaction holds some work rows. */
async function pauseHoldingLocks(proc: ChildProcess, db: pg.Client, schema: string) {
  for (let attempt = 0; attempt < 500; attempt++) {
    proc.kill('SIGSTOP');
    await sleep(30); // the server finishes the statement in flight: the session goes idle
    const free = await lockable(db, schema);
    if (free < 8) return free;
    proc.kill('SIGCONT');
    await sleep(attempt % 7);
  }
  throw new Error('never caught the committer inside a transaction in 500 tries');
}

describePg('a process paused inside a commit transaction', unavailable, () => {
  for (const { idleMs, released } of [
    { idleMs: 300, released: true },
    { idleMs: 60_000, released: false },
  ]) {
    it(`${released ? 'releases' : 'keeps'} its row locks after 1 s with idleInTransactionMs ${idleMs}`, async () => {
      const schema = freshSchema();
      schemas.push(schema);
      const app = `weft-paused-${schema.slice(-8)}`;
      const db = new pg.Client({ connectionString: pgUrl });
      await db.connect();
      try {
        const c = await committer(schema, app, idleMs);
        await c.next(40); // ready, then commits going
        const free = await pauseHoldingLocks(c.proc, db, schema);
        expect(free).toBeLessThan(8);
        expect(await idleInTransaction(db, app)).toBeGreaterThan(0);
        await sleep(1000);
        if (released) {
          // PostgreSQL ended the paused session: every row can be claimed again
          expect(await idleInTransaction(db, app)).toBe(0);
          expect(await lockable(db, schema)).toBe(8);
        } else {
          expect(await idleInTransaction(db, app)).toBeGreaterThan(0);
          expect(await lockable(db, schema)).toBe(free);
        }
        // Woken, the process carries on: a commit whose session was ended is tried again
        // on a new connection (nothing of it was written), so no step is lost or doubled.
        c.proc.kill('SIGCONT');
        await c.next(100);
        expect(c.proc.exitCode).toBeNull();
      } finally {
        await db.end();
      }
    }, 60_000);
  }
});
