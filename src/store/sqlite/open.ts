// Opens the SQLite file with weft's settings (docs/storage.md):
//   journal_mode=WAL        readers never block the writer
//   synchronous=FULL        the WAL is fsynced at every commit: a commit that returned
//                           survives a power loss. NORMAL (opt-in) fsyncs only at
//                           checkpoints: still safe against a process crash, but a
//                           power loss may lose the last commits.
//   busy_timeout            other processes (the CLI) wait for the write lock
//   journal_size_limit      64 MiB: the -wal file is cut back to this after a checkpoint
//                           empties it (below)
//   foreign_keys=OFF        integrity is kept by the store's own checks
// and checks the file with `PRAGMA quick_check` before anything else touches it.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreCorruptError } from '../errors.js';
import { migrate } from './migrate.js';

export type Synchronous = 'FULL' | 'NORMAL';

export interface OpenOptions {
  /** Path of the database file (created with its folder), or ':memory:'. */
  path: string;
  synchronous?: Synchronous;
  busyTimeoutMs?: number;
  /**
   * `quick` (default) runs PRAGMA quick_check at open: ~0.7 s for a 165 MB file of
   * 100K executions and 1M events on the dev VM. `none` skips it for huge stores.
   */
  integrityCheck?: 'quick' | 'none';
  /** Time of the open, recorded with applied migrations. */
  now?: number;
  /**
   * What the -wal file is cut back to (bytes) when a checkpoint has emptied it. Without a
   * limit SQLite keeps the file at the largest size it ever reached (a burst of writes, or
   * checkpoints held back by a long read such as `weft backup`) for as long as the store is
   * open. Default 64 MiB: 16,000 pages, far above the ~1,000 a checkpoint normally lets it
   * reach, so in steady state the file is reused in place (appending to a growing -wal
   * costs more per fsync: docs/benchmarks.md, session 5) and is only cut after a burst.
   */
  walSizeLimitBytes?: number;
}

export const defaultWalSizeLimitBytes = 64 * 1024 * 1024;

function quickCheck(db: Database.Database, path: string): void {
  const problems = db.pragma('quick_check', { simple: false }) as { quick_check: string }[];
  const report = problems.map((row) => row.quick_check);
  if (report.length !== 1 || report[0] !== 'ok') {
    throw new StoreCorruptError(
      `${path}: the database failed its integrity check (quick_check): ` +
        report.slice(0, 5).join('; '),
    );
  }
}

export function openDatabase(options: OpenOptions): Database.Database {
  const { path } = options;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (error) {
    throw new Error(`${path}: cannot open the database: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    if (options.integrityCheck !== 'none') quickCheck(db, path);
    if (path !== ':memory:') db.pragma('journal_mode = WAL');
    const walLimit = options.walSizeLimitBytes ?? defaultWalSizeLimitBytes;
    if (!Number.isSafeInteger(walLimit) || walLimit < 0)
      throw new RangeError(`walSizeLimitBytes must be a non-negative integer, not ${walLimit}`);
    db.pragma(`journal_size_limit = ${walLimit}`);
    db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    db.pragma('foreign_keys = OFF');
    migrate(db, path, options.now ?? Date.now());
    return db;
  } catch (error) {
    db.close();
    // SQLITE_NOTADB / SQLITE_CORRUPT surface here when the header or pages are damaged.
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      const message = (error as Error).message;
      throw new StoreCorruptError(`${path}: the database cannot be used (${code}): ${message}`);
    }
    throw error;
  }
}
