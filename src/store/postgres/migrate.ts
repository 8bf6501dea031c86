// Applies the numbered migrations (migrations/index.ts) that a schema lacks. Several
// processes may open the same new database at once: each takes a session advisory lock
// keyed by the schema name first, so one applies the migrations and the others, once
// they get the lock, find them done. Each migration runs in its own transaction with
// its bookkeeping row, so a crash leaves no half-applied migration.

import type pg from 'pg';
import { StoreCorruptError } from '../errors.js';
import { migrations, type Migration } from './migrations/index.js';

const lock = `SELECT pg_advisory_lock(hashtext($1)::bigint)`;
const unlock = `SELECT pg_advisory_unlock(hashtext($1)::bigint)`;
const createTable = `CREATE TABLE IF NOT EXISTS weft_migrations (
  id         integer PRIMARY KEY,
  name       text    NOT NULL,
  applied_at bigint  NOT NULL
)`;
const selectApplied = `SELECT id FROM weft_migrations ORDER BY id`;
const insertApplied = `INSERT INTO weft_migrations (id, name, applied_at) VALUES ($1, $2, $3)`;

/** A schema name that can be spliced into DDL safely (identifiers cannot be bound). */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new RangeError(
      `PostgreSQL schema "${schema}" must be lower-case letters, digits and _ (at most 63)`,
    );
  }
  return schema;
}

/** Returns the ids applied by this call. */
export async function migrate(
  client: pg.ClientBase,
  schema: string,
  now: number,
  all: readonly Migration[] = migrations,
): Promise<number[]> {
  const lockKey = `weft:migrate:${schema}`;
  await client.query(lock, [lockKey]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${checkSchemaName(schema)}"`);
    await client.query(createTable);
    const done = new Set(
      (await client.query<{ id: number }>(selectApplied)).rows.map((r) => Number(r.id)),
    );
    const newest = Math.max(0, ...done);
    // The highest id, not the count: ids may have a gap while branches merge.
    const known = Math.max(0, ...all.map((m) => m.id));
    if (newest > known) {
      throw new StoreCorruptError(
        `PostgreSQL schema ${schema}: the database has migration ${newest}, newer than this ` +
          `weft knows (${known}): it was written by a newer weft`,
      );
    }
    const applied: number[] = [];
    const pending = all.filter((m) => !done.has(m.id));
    for (const migration of pending) {
      await client.query('BEGIN');
      try {
        // All but the last commit without waiting for the WAL flush: the last one's
        // flush covers them (WAL is flushed in order), and a crash before it loses whole
        // migrations, which the next open applies again. 12 fsyncs become 1 (~150 ms).
        if (migration !== pending[pending.length - 1]) {
          await client.query('SET LOCAL synchronous_commit = off');
        }
        await client.query(migration.sql);
        await client.query(insertApplied, [migration.id, migration.name, now]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(
          `PostgreSQL schema ${schema}: migration ${migration.id} (${migration.name}) failed: ` +
            (error as Error).message,
          { cause: error },
        );
      }
      applied.push(migration.id);
    }
    return applied;
  } finally {
    await client.query(unlock, [lockKey]);
  }
}
