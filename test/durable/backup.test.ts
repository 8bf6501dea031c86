// `weft backup` (src/store/sqlite/backup.ts): an online copy of the SQLite store while an
// engine keeps writing to it. The copy is a consistent snapshot (every execution row
// agrees with its history), it is a working store (`weft resume` on it finishes what was
// in flight), the source goes on undisturbed, and every refusal names what is wrong and
// leaves nothing behind.
import { spawn } from 'node:child_process';
import { type AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/runtime/clock.js';
import { openSqliteStore } from '../../src/store/index.js';
import { weft } from '../helpers/cli.js';
import { until } from '../store/pg-helpers.js';
import { doc, engineOn, tempHome } from './helpers.js';

const home = tempHome('weft-backup-');
afterAll(() => home.remove());
const entry = new URL('../../src/cli/entry.ts', import.meta.url).pathname;
const terminal = new Set(['ExecutionCompleted', 'ExecutionFaulted', 'ExecutionCancelled']);

/** Runs the CLI without blocking this process's event loop (its engine keeps writing). */
function weftAsync(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
      env: { ...process.env, WEFT_STORE: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('weft backup', () => {
  it('copies a store an engine keeps writing to: consistent, resumable, the source undisturbed', async () => {
    const path = join(home.dir, 'live', 'weft.db');
    const store = openSqliteStore({ path, synchronous: 'NORMAL' });
    const clock = new ManualClock(Date.now());
    const engine = engineOn(store, { clock });
    // the effect before the wait: a call to a local server that counts its requests
    let calls = 0;
    const server = createServer((_req, res) => {
      calls++;
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/note`;
    const [slow] = await engine.register(
      doc('slow', [
        { first: { call: 'http', with: { method: 'get', endpoint } } },
        { pause: { wait: { seconds: 1 } } },
        { done: { set: { done: true } } },
      ]),
    );
    const [quick] = await engine.register(doc('quick', [{ a: { set: { x: 1 } } }]));
    const waiting: string[] = [];
    for (let i = 0; i < 20; i++) waiting.push((await engine.start(slow!, {})).id);
    // every slow execution has called `note` and waits on its timer (the clock stands still)
    await until(async () => {
      for (const id of waiting) {
        const h = await store.loadHistory(id);
        if (h.at(-1)?.event.type !== 'TimerStarted') return false;
      }
      return true;
    }, 'the slow executions to reach their wait');
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0); // recent commits live in the WAL

    // quick executions start and end throughout the backup
    let writing = true;
    let quickDone = 0;
    const writer = (async () => {
      while (writing) {
        await (await engine.start(quick!, {})).result();
        quickDone++;
      }
    })();
    const dest = join(home.dir, 'copies', 'nested', 'b.db');
    const before = quickDone;
    const r = await weftAsync(['backup', dest, '--store', path]);
    const during = quickDone - before;
    writing = false;
    await writer;
    expect(r.code, r.stderr).toBe(0);
    expect(during).toBeGreaterThan(0);
    const line = JSON.parse(r.stdout) as Record<string, number | string>;
    expect(line).toMatchObject({ backup: dest, workflows: 2, migration: expect.any(Number) });
    expect(line.bytes).toBe(statSync(dest).size);
    expect(readdirSync(join(home.dir, 'copies', 'nested'))).toEqual(['b.db']); // no .partial left

    // the copy: a snapshot in which every execution row agrees with its history
    const copy = new Database(dest, { readonly: true });
    const rows = copy.prepare('SELECT xid, id, name, state FROM executions').all() as {
      xid: number;
      id: string;
      name: string;
      state: string;
    }[];
    expect(rows.length).toBe(line.executions);
    expect(rows.length).toBeGreaterThanOrEqual(20);
    for (const row of rows) {
      // an execution's events are the keys (xid << 20) | seq (store migration 16)
      const events = copy
        .prepare(
          `SELECT k & 1048575 AS seq, type FROM history
           WHERE k BETWEEN (@xid << 20) AND ((@xid << 20) | 1048575) ORDER BY k`,
        )
        .all({ xid: row.xid }) as { seq: number; type: string }[];
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(['completed', 'faulted', 'cancelled'].includes(row.state)).toBe(
        terminal.has(events.at(-1)!.type),
      );
    }
    for (const id of waiting) {
      expect(rows.find((row) => row.id === id)?.state).toBe('running');
    }
    copy.close();

    // the source goes on: its slow executions finish once their timers are due
    clock.advance(1000);
    await engine.serve();
    for (const id of waiting) {
      expect(await (await engine.handle(id))!.result()).toEqual({ done: true });
    }
    await engine.close();
    await store.close();

    expect(calls).toBe(20);

    // the copy is a working store: resume finishes what was in flight at the snapshot,
    // without calling the server again (the results are in the copy's histories)
    const resumed = await weftAsync(['resume', '--store', dest]);
    server.close();
    expect(calls).toBe(20);
    expect(resumed.code, resumed.stderr).toBe(0);
    const lines = resumed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; status: string; output: unknown });
    for (const id of waiting) {
      expect(lines.find((l) => l.id === id)).toEqual({
        id,
        status: 'completed',
        output: { done: true },
      });
    }
    expect(lines.every((l) => l.status === 'completed')).toBe(true);
  }, 60_000);

  it('never replaces a file, and names it', () => {
    const dest = join(home.dir, 'exists.db');
    writeFileSync(dest, 'keep me');
    const store = openSqliteStore({ path: join(home.dir, 's1.db'), synchronous: 'NORMAL' });
    void store.close();
    const r = weft(['backup', dest, '--store', join(home.dir, 's1.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `weft backup: ${dest}: already exists; a backup never replaces a file`,
    );
    expect(readFileSync(dest, 'utf8')).toBe('keep me');
  }, 30_000);

  it('refuses what is not a weft store, naming the flag and the file, and creates nothing', () => {
    const dest = join(home.dir, 'refused', 'b.db');
    const missing = join(home.dir, 'nowhere', 'weft.db');
    const gone = weft(['backup', dest, '--store', missing]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain(`weft backup: --store: ${missing}: no store to back up`);
    expect(existsSync(missing)).toBe(false);

    const text = join(home.dir, 'notes.txt');
    writeFileSync(text, 'not a database at all, just some text that is long enough');
    const notDb = weft(['backup', dest, '--store', text]);
    expect(notDb.code).toBe(2);
    expect(notDb.stderr).toContain(`${text}: not a SQLite database`);

    const other = join(home.dir, 'other.db');
    new Database(other).exec('CREATE TABLE t (x)');
    const notWeft = weft(['backup', dest], { env: { WEFT_STORE: other } });
    expect(notWeft.code).toBe(2);
    expect(notWeft.stderr).toContain(`weft backup: WEFT_STORE: ${other}: not a weft store`);
    expect(existsSync(join(home.dir, 'refused'))).toBe(false);
  }, 30_000);

  it('sends PostgreSQL stores to pg_dump and checks its arguments', () => {
    const pg = weft([
      'backup',
      join(home.dir, 'pg.db'),
      '--store',
      'postgres://u@127.0.0.1:1/db?schema=prod',
    ]);
    expect(pg.code).toBe(2);
    expect(pg.stderr).toContain('the store is PostgreSQL (schema prod)');
    expect(pg.stderr).toContain('pg_dump --schema prod');

    const none = weft(['backup']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('DEST (the file to write) is required');
    const extra = weft(['backup', 'a.db', 'b.db']);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain("unexpected argument 'b.db'");

    const file = join(home.dir, 'plain-file');
    writeFileSync(file, '');
    const store = openSqliteStore({ path: join(home.dir, 's2.db'), synchronous: 'NORMAL' });
    void store.close();
    const under = weft(['backup', join(file, 'b.db'), '--store', join(home.dir, 's2.db')]);
    expect(under.code).toBe(2);
    expect(under.stderr).toContain(`${join(file, 'b.db')}: cannot create its folder`);
  }, 30_000);
});
