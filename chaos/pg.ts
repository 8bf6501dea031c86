// PostgreSQL for the multi-process chaos run: one-off statements on a connection of their
// own (they must work across the database restart), and the restart itself.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';

/** One statement on a connection of its own (it survives the database restart). */
export async function sql<R extends pg.QueryResultRow>(
  connectionString: string,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * sql(), tried again every 250 ms for up to `forMs` while it fails: a statement of the
 * chaos driver that may meet the database restart (the SIGSTOP's reads did, once, and
 * the run died of the unhandled rejection).
 */
export async function sqlRetrying<R extends pg.QueryResultRow>(
  connectionString: string,
  text: string,
  params: unknown[] = [],
  forMs = 60_000,
): Promise<R[]> {
  const until = Date.now() + forMs;
  for (;;) {
    try {
      return await sql<R>(connectionString, text, params);
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart`; its ms. */
export async function restartPostgres(): Promise<number> {
  const [version] = readdirSync('/etc/postgresql');
  if (!version) throw new Error('no cluster under /etc/postgresql');
  const began = Date.now();
  await promisify(execFile)('pg_ctlcluster', [
    '--skip-systemctl-redirect',
    version,
    'main',
    'restart',
  ]);
  return Date.now() - began;
}

/** The psql-free way to ask whether the database answers. */
export async function pgAnswers(connectionString: string): Promise<boolean> {
  return sql(connectionString, 'SELECT 1').then(
    () => true,
    () => false,
  );
}
