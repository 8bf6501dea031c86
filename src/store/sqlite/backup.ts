// An online backup of a SQLite store (`weft backup`, docs/operations.md "Backups").
//
// Decision: VACUUM INTO, not SQLite's page-by-page backup API. VACUUM INTO reads the
// source in ONE read transaction, which under WAL is a snapshot: the copy is consistent
// (every execution row agrees with its history) while a worker keeps committing, and it
// never starts over. The backup API copies in steps and restarts whenever another
// connection writes in between, so against a busy worker it may never finish. The price:
// while the copy runs, its read transaction holds back checkpoints (the -wal file grows
// meanwhile), and the copy is rebuilt rather than copied (compact, no free pages).
//
// SQLite does not fsync what VACUUM INTO writes, so the copy goes to a temporary file
// beside the destination, is checked (quick_check) and fsynced, and only then linked
// under its name (and the folder fsynced): a crash or a failed check never leaves a
// file at the destination, and an existing file is never replaced.
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export interface BackupResult {
  /** The destination, as given. */
  path: string;
  bytes: number;
  executions: number;
  workflows: number;
  /** The newest migration the copy has (the source's at the snapshot). */
  migration: number;
  ms: number;
}

/** A backup that could not be made; the message starts with the file it is about. */
export class BackupError extends Error {
  constructor(
    message: string,
    /** `source` or `destination`: which side was wrong; `check`: the copy failed it. */
    readonly side: 'source' | 'destination' | 'check',
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

const why = (e: unknown) => (e instanceof Error ? e.message : String(e));

function openSource(path: string, busyTimeoutMs: number): Database.Database {
  let db: Database.Database;
  try {
    // read-write, though it only reads: a read-only connection would leave an empty -wal
    // and a -shm behind in a folder no one else has open (the last read-write connection
    // to close removes them)
    db = new Database(path, { fileMustExist: true });
  } catch (e) {
    throw new BackupError(`${path}: no store to back up (${why(e)})`, 'source');
  }
  try {
    db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    const weft = db
      .prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'weft_migrations'`)
      .get();
    if (!weft)
      throw new BackupError(`${path}: not a weft store (no weft_migrations table)`, 'source');
    return db;
  } catch (e) {
    db.close();
    if (e instanceof BackupError) throw e;
    throw new BackupError(`${path}: not a SQLite database (${why(e)})`, 'source');
  }
}

/** Checks the copy and counts what it holds; throws BackupError('check') on damage. */
function inspect(path: string, destination: string): Omit<BackupResult, 'path' | 'bytes' | 'ms'> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const report = (db.pragma('quick_check', { simple: false }) as { quick_check: string }[]).map(
      (r) => r.quick_check,
    );
    if (report.length !== 1 || report[0] !== 'ok') {
      throw new BackupError(
        `${destination}: the copy failed its integrity check (quick_check): ` +
          report.slice(0, 5).join('; '),
        'check',
      );
    }
    const count = (table: string) =>
      Number(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get());
    return {
      executions: count('executions'),
      workflows: count('workflows'),
      migration: Number(db.prepare('SELECT max(id) FROM weft_migrations').pluck().get() ?? 0),
    };
  } finally {
    db.close();
  }
}

function fsyncPath(path: string, flags: string): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Copies the weft store at `source` to `destination` (which must not exist; its folder is
 * created), safely while other connections write to the source.
 */
export function backupSqlite(
  source: string,
  destination: string,
  options: { busyTimeoutMs?: number } = {},
): BackupResult {
  const t0 = performance.now();
  if (existsSync(destination))
    throw new BackupError(
      `${destination}: already exists; a backup never replaces a file`,
      'destination',
    );
  const db = openSource(source, options.busyTimeoutMs ?? 5000);
  const partial = `${destination}.partial-${process.pid}-${Date.now()}`;
  try {
    try {
      mkdirSync(dirname(destination), { recursive: true });
    } catch (e) {
      throw new BackupError(`${destination}: cannot create its folder (${why(e)})`, 'destination');
    }
    try {
      db.prepare('VACUUM INTO ?').run(partial);
    } catch (e) {
      throw new BackupError(
        `${destination}: the copy could not be written (${why(e)})`,
        'destination',
      );
    }
    const counts = inspect(partial, destination);
    fsyncPath(partial, 'r+');
    try {
      // link, not rename: it fails when the destination appeared meanwhile
      linkSync(partial, destination);
    } catch (e) {
      throw new BackupError(`${destination}: cannot be created (${why(e)})`, 'destination');
    }
    fsyncPath(dirname(destination), 'r');
    return {
      path: destination,
      bytes: statSync(destination).size,
      ...counts,
      ms: Math.round(performance.now() - t0),
    };
  } finally {
    db.close();
    try {
      rmSync(partial, { force: true });
    } catch {
      // nothing was written there (its folder is not a folder)
    }
  }
}
