// One serving process per SQLite file (docs/cli.md "weft worker"): the process that
// resumes and claims executions (weft worker, weft serve, weft resume) holds an exclusive
// lock on a small companion database, PATH-serving, from its first resetClaims until its
// store closes.
//
// Decision: a lock the operating system holds, not a heartbeat row. SQLite's file lock
// on the companion file (locking_mode=EXCLUSIVE, written once) is released by the kernel
// when the process dies, SIGKILL included, so a restarted worker takes over at once; a
// heartbeat would make it wait out a timeout, and could be fooled by a paused process.
// Without the lock, a second worker voided the first one's claims (resetClaims) and
// both drove the same executions: every commit is sequence-checked, so nothing was
// written twice, but a call in flight could run in both.
//
// Who holds it is written to PATH-serving.json (best effort), for the refusal's message.
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { StoreInUseError } from '../errors.js';

export interface ServingLock {
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
  since: string;
}

function describeHolder(path: string): string {
  try {
    const h = JSON.parse(readFileSync(`${path}-serving.json`, 'utf8')) as Holder;
    return `process ${h.pid} on ${h.host}, since ${h.since}`;
  } catch {
    return 'another process';
  }
}

/**
 * Who serves the store at `path` now (the holder of its serving lock), or undefined when
 * no process does. Takes nothing: a probe for commands that must not drive executions a
 * serving process drives (the local `weft executions cancel`).
 */
export function servingHolder(path: string): string | undefined {
  let db: Database.Database;
  try {
    db = new Database(`${path}-serving`, { fileMustExist: true });
  } catch {
    return undefined; // never served
  }
  try {
    db.pragma('busy_timeout = 0');
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return undefined;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return describeHolder(path);
    throw error;
  } finally {
    db.close();
  }
}

/** Takes the serving lock of the store at `path`, or throws StoreInUseError naming its holder. */
export function takeServingLock(path: string): ServingLock {
  const db = new Database(`${path}-serving`);
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    // the first write takes the exclusive lock, kept until the connection closes
    db.exec('BEGIN EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS taken (at INTEGER NOT NULL)');
    db.prepare('INSERT INTO taken (at) VALUES (?)').run(Date.now());
    db.exec('DELETE FROM taken WHERE rowid < (SELECT max(rowid) FROM taken)');
    db.exec('COMMIT');
  } catch (error) {
    db.close();
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      throw new StoreInUseError(
        `${path}: ${describeHolder(path)} serves this store; SQLite takes one serving ` +
          `process at a time (weft worker, weft serve, weft resume): stop it first, or use ` +
          `PostgreSQL for several workers`,
      );
    }
    throw error;
  }
  const holder: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  try {
    writeFileSync(`${path}-serving.json`, JSON.stringify(holder) + '\n');
  } catch {
    // only the refusal's message reads it
  }
  return { release: () => db.close() };
}
