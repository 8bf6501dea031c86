// What only the SQLite store has: its pragmas, its migrations, the integrity check at
// open, and group commit. Real files in a temp folder.

import {
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  SequenceMismatchError,
  StoreBusyError,
  StoreCorruptError,
  StoreInUseError,
  openSqliteStore,
} from '../../src/store/index.js';
import { migrate } from '../../src/store/sqlite/migrate.js';
import { migrations } from '../../src/store/sqlite/migrations/index.js';
import { T0, newExecution, seed, taskStarted } from './fixtures.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'weft-sqlite-'));
  path = join(dir, 'nested', 'weft.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite settings', () => {
  it('opens in WAL mode with synchronous=FULL by default, creating the folder', async () => {
    const store = openSqliteStore({ path });
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    await store.close();
    expect(statSync(path).isFile()).toBe(true);
  });

  it('uses synchronous=NORMAL only when asked', async () => {
    const store = openSqliteStore({ path, synchronous: 'NORMAL' });
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1);
    await store.close();
  });

  it('cuts the -wal file back to walSizeLimitBytes once a checkpoint empties it', async () => {
    const limit = 64 * 1024;
    const store = openSqliteStore({ path, synchronous: 'NORMAL', walSizeLimitBytes: limit });
    expect(store.db.pragma('journal_size_limit', { simple: true })).toBe(limit);
    const wf = await seed(store, []);
    // a long read (a backup, say) holds back checkpoints: the -wal file grows past 1,000 pages
    const reader = new Database(path, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM executions').get();
    const big = { blob: 'x'.repeat(8000) };
    for (let i = 0; i < 600; i++) {
      await store.createExecution(newExecution(`big-${i}`, wf, { time: T0 + i, input: big }));
    }
    const grown = statSync(`${path}-wal`).size;
    expect(grown).toBeGreaterThan(1000 * 4096);
    reader.exec('COMMIT');
    reader.close();
    // the next checkpoint empties it and the write after it starts the file over, cut back
    store.db.pragma('wal_checkpoint(PASSIVE)');
    await store.createExecution(newExecution('after', wf, { time: T0 }));
    expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(limit);
    expect((await store.getExecution('big-599'))?.input).toEqual(big);
    await store.close();
  });

  it('keeps the -wal file at 64 MiB at most by default, and refuses a bad limit by name', async () => {
    const store = openSqliteStore({ path });
    expect(store.db.pragma('journal_size_limit', { simple: true })).toBe(64 * 1024 * 1024);
    await store.close();
    expect(() => openSqliteStore({ path, walSizeLimitBytes: -1 })).toThrow(
      /walSizeLimitBytes must be a non-negative integer, not -1/,
    );
  });
});

describe('one serving process per file', () => {
  it('lets one store void the old claims; another fails, naming the holder, until it closes', async () => {
    const first = openSqliteStore({ path, synchronous: 'NORMAL' });
    const second = openSqliteStore({ path, synchronous: 'NORMAL' });
    await seed(first, ['e1']);
    await first.resetClaims(T0);
    await expect(second.resetClaims(T0)).rejects.toThrow(
      new RegExp(
        `^${path}: process ${process.pid} on ${hostname()}, since \\S+ serves this store; ` +
          'SQLite takes one serving process at a time',
      ),
    );
    await expect(second.resetClaims(T0)).rejects.toBeInstanceOf(StoreInUseError);
    // it still reads and writes (the CLI's list, show, cancel)
    expect((await second.getExecution('e1'))?.nextSeq).toBe(2);
    await second.commit({
      now: T0,
      writes: [{ executionId: 'e1', expectedNextSeq: 2, events: [taskStarted(0)] }],
    });
    await first.close();
    expect(await second.resetClaims(T0)).toBeGreaterThanOrEqual(0);
    await second.close();
  });
});

describe('SQLite locations', () => {
  it('runs in memory for tests that need no file', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    await seed(store, ['e1']);
    expect((await store.getExecution('e1'))?.nextSeq).toBe(2);
    await store.close();
  });

  it('names the path it cannot open', () => {
    expect(() => openSqliteStore({ path: dir })).toThrow(
      new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: cannot open the database`),
    );
  });
});

describe('SQLite migrations', () => {
  it('applies every numbered migration once, in order', async () => {
    await openSqliteStore({ path, now: 5 }).close();
    await openSqliteStore({ path, now: 9 }).close();
    const db = new Database(path, { readonly: true });
    const rows = db.prepare('SELECT id, name, applied_at FROM weft_migrations ORDER BY id').all();
    db.close();
    expect(rows).toEqual(migrations.map((m) => ({ id: m.id, name: m.name, applied_at: 5 })));
    expect(migrations.map((m) => m.id)).toEqual(migrations.map((_, i) => i + 1));
  });

  it('upgrades a database made by an older weft, backfilling what new columns need', () => {
    const old = join(dir, 'old.db');
    const db = new Database(old);
    migrate(db, old, 1, migrations.slice(0, 8)); // the schema before work.available_at
    const insert = db.prepare(
      `INSERT INTO work (execution_id, key, kind, due_at, priority, claimed_by, lease_until)
       VALUES (?, ?, 'timer', ?, 0, ?, ?)`,
    );
    insert.run('free', 'timer:1', 100, null, null);
    insert.run('held', 'timer:1', 100, 'w1', 900);
    expect(migrate(db, old, 2)).toEqual(migrations.slice(8).map((m) => m.id));
    const rows = db.prepare('SELECT execution_id, available_at FROM work ORDER BY 1').all();
    db.close();
    expect(rows).toEqual([
      { execution_id: 'free', available_at: 100 },
      { execution_id: 'held', available_at: 900 },
    ]);
  });

  /** A file at migration 15 (history keyed by execution id), as weft wrote it before 16. */
  function fileBefore16(file: string, events: Record<string, number>): void {
    const db = new Database(file);
    migrate(db, file, 1, migrations.slice(0, 15));
    db.prepare(
      `INSERT INTO workflows (namespace, name, version, hash, source, created_at)
       VALUES ('ns', 'wf', '1', 'h', '{}', 1)`,
    ).run();
    const execution = db.prepare(
      `INSERT INTO executions (id, namespace, name, version, hash, input, state, status,
         parent_id, priority, next_seq, history_bytes, created_at, updated_at)
       VALUES (?, 'ns', 'wf', '1', 'h', '{"n":1}', 'running', '{"state":"running"}', ?, 0, ?, ?, 10, ?)`,
    );
    const event = db.prepare(
      'INSERT INTO history (execution_id, seq, type, v, time, body) VALUES (?, ?, ?, 1, ?, ?)',
    );
    for (const [id, count] of Object.entries(events)) {
      let bytes = 0;
      for (let seq = 1; seq <= count; seq++) {
        const body =
          seq === 1
            ? `{"type":"ExecutionStarted","v":1,"time":10,"workflow":{"namespace":"ns","name":"wf","version":"1","hash":"h"},"input":{"n":1},"seed":"s-é"}`
            : `{"type":"TaskStarted","v":1,"time":${10 + seq},"effectId":${seq},"taskId":"/do/${seq}","kind":"call","key":"k${seq}","request":{}}`;
        event.run(id, seq, seq === 1 ? 'ExecutionStarted' : 'TaskStarted', 10 + seq, body);
        bytes += Buffer.byteLength(body);
      }
      execution.run(id, id === 'child' ? 'parent' : null, count + 1, bytes, 20);
    }
    db.close();
  }

  it('moves histories to integer keys (16) keeping every event, seq, size and record', async () => {
    const old = join(dir, 'old16.db');
    fileBefore16(old, { parent: 3, child: 40, lone: 1 });
    const keyed = new Database(old);
    keyed.prepare(`UPDATE executions SET idempotency_key = 'k-lone' WHERE id = 'lone'`).run();
    keyed.close();
    const before = new Database(old, { readonly: true });
    const sizes = before.prepare('SELECT id, next_seq, history_bytes FROM executions').all();
    const bodies = before
      .prepare('SELECT execution_id, seq, body FROM history ORDER BY 1, 2')
      .all() as { execution_id: string; seq: number; body: string }[];
    before.close();
    expect(sizes).toHaveLength(3);

    const store = openSqliteStore({ path: old });
    for (const { id, next_seq, history_bytes } of sizes as {
      id: string;
      next_seq: number;
      history_bytes: number;
    }[]) {
      const record = await store.getExecution(id);
      expect(record).toMatchObject({ nextSeq: next_seq, historyBytes: history_bytes });
      // updatedAt: the newest event (10 + seq) when it is later than the row's 20
      expect(record?.updatedAt).toBe(Math.max(20, 10 + next_seq - 1));
      const history = await store.loadHistory(id);
      const expected = bodies.filter((b) => b.execution_id === id);
      expect(history.map((h) => h.seq)).toEqual(expected.map((b) => b.seq));
      expect(history.map((h) => JSON.stringify(h.event))).toEqual(
        expected.map((b) => JSON.stringify(JSON.parse(b.body))),
      );
    }
    expect((await store.listExecutions({ parentId: 'parent' })).items.map((e) => e.id)).toEqual([
      'child',
    ]);
    // the migrated history takes the next step where it left off, and a new execution's
    // key comes after every migrated one
    await store.commit({
      now: 99,
      writes: [{ executionId: 'child', expectedNextSeq: 41, events: [taskStarted(41)] }],
    });
    expect((await store.loadHistory('child', { after: 39 })).map((h) => h.seq)).toEqual([40, 41]);
    const wf = { namespace: 'ns', name: 'wf', version: '1', hash: 'h', source: '{}', createdAt: 1 };
    await store.createExecution(newExecution('fresh', wf));
    expect((await store.loadHistory('fresh')).map((h) => h.seq)).toEqual([1]);
    // the idempotency key came along (its unique index is partial now)
    const again = await store.createExecution(
      newExecution('other', wf, { idempotencyKey: 'k-lone', input: { n: 1 } }),
    );
    expect(again).toMatchObject({ created: false, execution: { id: 'lone' } });
    expect((await store.loadHistory('lone')).map((h) => h.seq)).toEqual([1]);
    await store.close();
  });

  it('refuses migration 16 for a history longer than its key holds, changing nothing', () => {
    const old = join(dir, 'long.db');
    fileBefore16(old, { ok: 2 });
    const db = new Database(old);
    db.prepare(
      `INSERT INTO history (execution_id, seq, type, v, time, body) VALUES ('ok', 1048576, 'TaskStarted', 1, 1, '{}')`,
    ).run();
    db.close();
    expect(() => openSqliteStore({ path: old })).toThrow(
      /cannot apply migration 16 \(history_by_key\): execution ok has 1048576 history events; this weft keeps at most 1048575/,
    );
    const after = new Database(old, { readonly: true });
    expect(after.prepare('SELECT max(id) FROM weft_migrations').pluck().get()).toBe(15);
    expect(after.prepare('SELECT count(*) FROM history').pluck().get()).toBe(3);
    after.close();
  });

  it('refuses a maxHistoryEvents above what a history key holds', () => {
    expect(() => openSqliteStore({ path, limits: { maxHistoryEvents: 2 ** 20 } })).toThrow(
      /maxHistoryEvents must be at most 1048575 on SQLite, got 1048576/,
    );
  });

  it('refuses a database written by a newer weft', async () => {
    await openSqliteStore({ path }).close();
    const db = new Database(path);
    db.prepare('INSERT INTO weft_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(
      999,
      'future',
      0,
    );
    db.close();
    expect(() => openSqliteStore({ path })).toThrow(/migration 999, newer than this weft knows/);
  });
});

describe('SQLite integrity check at open', () => {
  it('rejects a file that is not a database, naming the file', () => {
    const bad = join(dir, 'notes.db');
    writeFileSync(bad, 'these are not the bytes of a database '.repeat(200));
    const open = () => openSqliteStore({ path: bad });
    expect(open).toThrow(StoreCorruptError);
    expect(open).toThrow(
      new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*SQLITE_NOTADB`),
    );
  });

  it('rejects a database whose pages were damaged', async () => {
    const store = openSqliteStore({ path });
    await seed(
      store,
      Array.from({ length: 200 }, (_, i) => `execution-${i}`),
    );
    await store.close();
    // Overwrite the middle of the file (b-tree pages, past the 100-byte header) with junk.
    const size = statSync(path).size;
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(8192, 0x5a), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    expect(() => openSqliteStore({ path })).toThrow(StoreCorruptError);
    expect(() => openSqliteStore({ path })).toThrow(/integrity check|SQLITE_CORRUPT|malformed/);
  });
});

describe('SQLite group commit', () => {
  it('carries the concurrent commits of one tick in one transaction', async () => {
    const store = openSqliteStore({ path });
    const ids = Array.from({ length: 50 }, (_, i) => `e${i}`);
    await seed(store, ids);
    const before = { ...store.stats };
    await Promise.all(
      ids.map((id) =>
        store.commit({
          now: T0,
          writes: [{ executionId: id, expectedNextSeq: 2, events: [taskStarted(0)] }],
        }),
      ),
    );
    expect(store.stats.operations - before.operations).toBe(50);
    expect(store.stats.transactions - before.transactions).toBe(1);
    expect(store.stats.largestGroup).toBe(50);
    // the time of the transaction's statements and of its COMMIT (fsync) are counted apart
    expect(store.stats.statementsMs).toBeGreaterThan(before.statementsMs);
    expect(store.stats.commitMs).toBeGreaterThan(before.commitMs);
    await store.close();
  });

  it('fails only the operation that fails, keeping its neighbours in the same transaction', async () => {
    // The group runs first without savepoints; the failure rolls it back and it runs
    // again with one savepoint per operation (writer.ts).
    const store = openSqliteStore({ path });
    await seed(store, ['a', 'b', 'c']);
    const before = { ...store.stats };
    const outcomes = await Promise.allSettled([
      store.commit({
        now: T0,
        writes: [{ executionId: 'a', expectedNextSeq: 2, events: [taskStarted(0)] }],
        cache: [{ key: 'k', result: 'a', expiresAt: T0 + 10 }],
      }),
      store.commit({
        now: T0,
        writes: [{ executionId: 'b', expectedNextSeq: 7, events: [taskStarted(0)] }],
        cache: [{ key: 'k', result: 'b', expiresAt: T0 + 10 }],
      }),
      store.commit({
        now: T0,
        writes: [{ executionId: 'c', expectedNextSeq: 2, events: [taskStarted(0)] }],
      }),
      store.commit({
        now: T0,
        writes: [{ executionId: 'ghost', expectedNextSeq: 2, events: [taskStarted(0)] }],
      }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
    ]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(SequenceMismatchError);
    expect((outcomes[3] as PromiseRejectedResult).reason).toMatchObject({
      message: 'execution ghost does not exist',
    });
    expect(store.stats.transactions - before.transactions).toBe(1);
    expect((await store.loadHistory('a')).map((r) => r.seq)).toEqual([1, 2]);
    expect(await store.loadHistory('b')).toHaveLength(1);
    expect((await store.loadHistory('c')).map((r) => r.seq)).toEqual([1, 2]);
    // b's cache entry was rolled back with b: a's stays
    expect((await store.getCached('k', T0))?.result).toBe('a');
    await store.close();
  });

  it('splits a group larger than maxGroup into several transactions', async () => {
    const store = openSqliteStore({ path, maxGroup: 20 });
    const ids = Array.from({ length: 50 }, (_, i) => `e${i}`);
    await seed(store, ids);
    const before = store.stats.transactions;
    await Promise.all(
      ids.map((id) =>
        store.commit({
          now: T0,
          writes: [{ executionId: id, expectedNextSeq: 2, events: [taskStarted(0)] }],
        }),
      ),
    );
    expect(store.stats.transactions - before).toBe(3);
    expect(store.stats.largestGroup).toBe(20);
    await store.close();
  });
});

describe('SQLite with two connections on one file', () => {
  it('serialises their writes and detects the lost race with a sequence mismatch', async () => {
    const one = openSqliteStore({ path });
    await seed(one, ['e1']);
    const two = openSqliteStore({ path });
    const write = (store: typeof one, effectId: number) =>
      store.commit({
        now: T0,
        writes: [{ executionId: 'e1', expectedNextSeq: 2, events: [taskStarted(effectId)] }],
      });
    const outcomes = await Promise.allSettled([write(one, 1), write(two, 2)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await two.loadHistory('e1')).toHaveLength(2);
    expect((await one.getExecution('e1'))?.nextSeq).toBe(3);
    await one.close();
    await two.close();
  });
});

describe('SQLite writer when the file is locked', () => {
  it('fails the whole group with a busy error past the timeout, then recovers', async () => {
    const one = openSqliteStore({ path });
    await seed(one, ['e1', 'e2']);
    const two = openSqliteStore({ path, busyTimeoutMs: 20 });
    one.db.exec('BEGIN IMMEDIATE'); // another writer holds the lock
    const write = (id: string) =>
      two.commit({
        now: T0,
        writes: [{ executionId: id, expectedNextSeq: 2, events: [taskStarted(0)] }],
      });
    const outcomes = await Promise.allSettled([write('e1'), write('e2')]);
    one.db.exec('ROLLBACK');
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      expect((o as PromiseRejectedResult).reason).toBeInstanceOf(StoreBusyError);
    }
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(
      /write lock past the busy timeout; nothing of 2 write\(s\) was committed/,
    );
    expect((await one.getExecution('e1'))?.nextSeq).toBe(2);
    expect((await write('e1')).nextSeqs).toEqual([3]);
    await one.close();
    await two.close();
  });
});
