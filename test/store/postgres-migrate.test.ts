// Migrations on PostgreSQL: several processes opening one new database at once, a
// database newer than this weft, bad options and an unreachable server.

import { afterEach, expect, it } from 'vitest';
import { StoreCorruptError, openPostgresStore } from '../../src/store/index.js';
import { migrations } from '../../src/store/postgres/migrations/index.js';
import {
  admin,
  describePg,
  dropSchema,
  freshSchema,
  openTestStore,
  pgUnavailable,
} from './pg-helpers.js';

const unavailable = await pgUnavailable();
const schemas: string[] = [];

function schema(): string {
  const name = freshSchema();
  schemas.push(name);
  return name;
}

afterEach(async () => {
  if (unavailable) return;
  for (const name of schemas.splice(0)) await dropSchema(name);
});

describePg('PostgreSQL migrations', unavailable, () => {
  it('applies every migration once when four clients open a new schema at the same time', async () => {
    const name = schema();
    const stores = await Promise.all([1, 2, 3, 4].map(() => openTestStore(name, { poolSize: 1 })));
    const applied = await admin<{ id: number; name: string }>(
      `SELECT id, name FROM "${name}".weft_migrations ORDER BY id`,
    );
    expect(applied.map((m) => Number(m.id))).toEqual(migrations.map((m) => m.id));
    // Every client can use the tables the others created.
    await Promise.all(
      stores.map((store, i) =>
        store.putWorkflow({
          namespace: 'n',
          name: `w${i}`,
          version: '1',
          hash: 'h',
          source: 's',
          createdAt: 0,
        }),
      ),
    );
    expect(await stores[0]!.listWorkflowVersions('n', 'w3')).toHaveLength(1);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('applies nothing when the schema is already up to date', async () => {
    const name = schema();
    await (await openTestStore(name)).close();
    await (await openTestStore(name, { now: 99 })).close();
    const rows = await admin<{ n: string }>(
      `SELECT count(*) AS n FROM "${name}".weft_migrations WHERE applied_at = 99`,
    );
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it('refuses a database migrated by a newer weft, naming both versions', async () => {
    const name = schema();
    await (await openTestStore(name)).close();
    await admin(
      `INSERT INTO "${name}".weft_migrations (id, name, applied_at) VALUES (999, 'x', 0)`,
    );
    const attempt = openTestStore(name);
    await expect(attempt).rejects.toBeInstanceOf(StoreCorruptError);
    await expect(attempt).rejects.toThrow(
      new RegExp(`schema ${name}: the database has migration 999, newer than this weft knows`),
    );
  });

  it('rejects a schema name that is not a plain identifier', async () => {
    await expect(openTestStore('weft"; drop table x; --')).rejects.toThrow(
      /schema "weft"; drop table x; --" must be lower-case letters, digits and _/,
    );
  });

  it('rejects a pool size that is not a positive integer', async () => {
    await expect(openTestStore(schema(), { poolSize: 0 })).rejects.toThrow(
      /poolSize must be a positive integer, got 0/,
    );
  });
});

it('names the server and hides the password when PostgreSQL cannot be reached', async () => {
  // Port 1 on the loopback: nothing listens there, the connection is refused at once.
  const attempt = openPostgresStore({
    connectionString: 'postgres://weft:secret@127.0.0.1:1/test',
    schema: 'weft_unreachable',
  });
  await expect(attempt).rejects.toThrow(
    /cannot connect to PostgreSQL \(postgres:\/\/weft:\*\*\*@127\.0\.0\.1:1\/test\)/,
  );
  await expect(attempt).rejects.not.toThrow(/secret/);
});
