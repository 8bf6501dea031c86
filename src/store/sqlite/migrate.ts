// Applies the numbered migrations (migrations/index.ts) that a database lacks. Each
// runs under BEGIN IMMEDIATE with its bookkeeping row, so two processes opening the
// same new file cannot both apply it, and a crash leaves no half-applied migration.

import type Database from 'better-sqlite3';
import { StoreCorruptError } from '../errors.js';
import { migrations, type Migration } from './migrations/index.js';

const createTable = `CREATE TABLE IF NOT EXISTS weft_migrations (
  id         INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT`;
const selectApplied = `SELECT id FROM weft_migrations ORDER BY id`;
const insertApplied = `INSERT INTO weft_migrations (id, name, applied_at) VALUES (?, ?, ?)`;

/** Returns the ids applied by this call. */
export function migrate(
  db: Database.Database,
  path: string,
  now: number,
  all: readonly Migration[] = migrations,
): number[] {
  db.exec(createTable);
  const applied: number[] = [];
  for (const migration of all) {
    db.exec('BEGIN IMMEDIATE');
    try {
      const done = new Set(
        db
          .prepare(selectApplied)
          .pluck()
          .all()
          .map((id) => Number(id)),
      );
      const newest = Math.max(0, ...done);
      // The highest id, not the count: ids may have a gap while branches merge.
      const known = Math.max(0, ...all.map((m) => m.id));
      if (newest > known) {
        throw new StoreCorruptError(
          `${path}: the database has migration ${newest}, newer than this weft knows ` +
            `(${known}): it was written by a newer weft`,
        );
      }
      if (!done.has(migration.id)) {
        const why = migration.refuse && db.prepare(migration.refuse).pluck().get();
        if (typeof why === 'string') {
          throw new StoreCorruptError(
            `${path}: cannot apply migration ${migration.id} (${migration.name}): ${why}`,
          );
        }
        db.exec(migration.sql);
        db.prepare(insertApplied).run(migration.id, migration.name, now);
        applied.push(migration.id);
      }
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
  return applied;
}
