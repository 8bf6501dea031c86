// Shared by the PostgreSQL store tests: where the server is (WEFT_TEST_PG, default
// postgres://postgres@127.0.0.1:5432/test), whether it answers, and one fresh schema
// per store so runs never see each other's data. When the server does not answer, the
// suites say so LOUDLY: a console.warn and a skipped test whose name is the reason.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, describe, it } from 'vitest';
import {
  openPostgresStore,
  type PostgresStore,
  type PostgresStoreOptions,
} from '../../src/store/index.js';

export const pgUrl = process.env['WEFT_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Undefined when PostgreSQL answers; otherwise why not. */
export async function pgUnavailable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await sweepStaleSchemas(client);
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Runs `suite` when PostgreSQL answers; otherwise registers one visible skipped test
 * naming the suite and the reason, and warns on the console.
 */
export function describePg(name: string, reason: string | undefined, suite: () => void): void {
  if (reason === undefined) {
    suite();
    return;
  }
  const message =
    `SKIPPED ${name}: PostgreSQL is unreachable at ${pgUrl} (${reason}). ` +
    'Start it (.ci/run does) or set WEFT_TEST_PG.';
  console.warn(`\n*** ${message} ***\n`);
  describe(name, () => {
    it.skip(message, () => undefined);
  });
}

/** weft_test_<seconds since the epoch>_<random>: the time lets sweepStaleSchemas work. */
export function freshSchema(): string {
  return `weft_test_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
}

/** Drops the schemas of test runs that died more than an hour ago without cleaning up. */
async function sweepStaleSchemas(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE 'weft\\_test\\_%'`,
  );
  const hourAgo = Math.floor(Date.now() / 1000) - 3600;
  for (const { name } of rows) {
    const started = Number(/^weft_test_(\d+)_/.exec(name)?.[1]);
    // Only names this helper made (with their time): others may belong to a live run.
    if (Number.isFinite(started) && started < hourAgo) {
      await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`).catch(() => undefined);
    }
  }
}

/** Runs one statement on a connection of its own (not a store's). */
export async function admin<R extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/** Opens a store on `schema` of the test database (migrations at time 0). */
export function openTestStore(schema: string, options: Partial<PostgresStoreOptions> = {}) {
  return openPostgresStore({ connectionString: pgUrl, schema, poolSize: 4, now: 0, ...options });
}

/** Resolves when `check` is true, polling every 10 ms; fails naming `what` after `ms`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A fresh schema for each test of the calling file, and what a test opened on it closed
 * after it (what `keep` was given first, engines say, then the stores), the schema dropped.
 */
export function schemaPerTest(unavailable: string | undefined) {
  let schema = '';
  const stores: PostgresStore[] = [];
  const kept: { close(): Promise<void> }[] = [];
  beforeEach(() => {
    schema = freshSchema();
  });
  afterEach(async () => {
    for (const k of kept.splice(0)) await k.close();
    for (const s of stores.splice(0)) await s.close();
    if (!unavailable) await dropSchema(schema);
  });
  return {
    get schema(): string {
      return schema;
    },
    /** A store with its own pool and LISTEN connection, as another process would have. */
    async store(options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> {
      const store = await openTestStore(schema, options);
      stores.push(store);
      return store;
    },
    keep<T extends { close(): Promise<void> }>(thing: T): T {
      kept.push(thing);
      return thing;
    },
  };
}
