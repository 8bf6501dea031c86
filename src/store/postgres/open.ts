// Opens the PostgreSQL store: a pool whose connections use the store's schema as their
// search_path and read bigint columns as numbers (every bigint the store keeps is a
// time in ms or a count, far below 2^53), then the migrations under an advisory lock.

import pg from 'pg';
import { resolveLimits, type StoreLimits } from '../limits.js';
import { checkSchemaName, migrate } from './migrate.js';
import { PreparingClient } from './prepared.js';

export interface PostgresStoreOptions {
  /** postgres://user@host:port/database */
  connectionString: string;
  /** Most connections this process opens for queries (default 10), plus one to LISTEN. */
  poolSize?: number;
  limits?: Partial<StoreLimits>;
  /** Schema holding weft's tables (default `weft`); created when missing. */
  schema?: string;
  /**
   * Aging of waiting work (default 60): one priority level per this many seconds of
   * waiting, so low priorities are not starved (docs/operations.md).
   */
  agingSeconds?: number;
  /** How often subscribers of onWork are called while LISTEN is down (default 1000 ms). */
  pollMs?: number;
  /** How long an operation rides over a lost connection before failing (default 10 s). */
  retryBudgetMs?: number;
  /** application_name of the store's connections (default `weft`): find them in pg_stat_activity. */
  applicationName?: string;
  /** Time recorded with applied migrations (default: the clock). */
  now?: number;
  /**
   * PostgreSQL ends a session of this store that sits idle inside a transaction this long
   * (idle_in_transaction_session_timeout; default 5000 ms). A process paused in the middle
   * of a commit (SIGSTOP, a VM or GC pause) holds the row locks of the work items the
   * commit named; claims skip locked rows, so without this no other worker could take
   * those executions over, however long past their lease. Our transactions never wait
   * on anything but their own next statement, so only a paused or blocked process hits
   * it: its commit fails as a lost connection and is tried again (then refused if the
   * lease moved on). A worker sets it to at most its lease (`weft worker --lease-ms`).
   */
  idleInTransactionMs?: number;
  /**
   * Send the store's parameterized statements as named prepared statements (default
   * true; prepared.ts). Turn off behind a pooler in transaction mode.
   */
  preparedStatements?: boolean;
  /**
   * Pipeline the statements of a commit (pg's pipeline mode; default true): a step's
   * commit is two round trips instead of six (connection.ts). Off: each is awaited.
   */
  pipeline?: boolean;
}

/** The default of PostgresStoreOptions.idleInTransactionMs. */
export const defaultIdleInTransactionMs = 5000;

export interface Opened {
  pool: pg.Pool;
  config: pg.ClientConfig;
  schema: string;
  limits: StoreLimits;
  agingMs: number;
  pollMs: number;
  retryBudgetMs: number;
}

const int8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === int8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new RangeError(`openPostgresStore: ${name} must be a positive integer, got ${v}`);
  }
  return v;
}

export async function openPool(options: PostgresStoreOptions): Promise<Opened> {
  if (typeof options.connectionString !== 'string' || options.connectionString === '') {
    throw new RangeError('openPostgresStore: connectionString is required');
  }
  const limits = resolveLimits(options.limits);
  const schema = checkSchemaName(options.schema ?? 'weft');
  const config: pg.ClientConfig = {
    connectionString: options.connectionString,
    options:
      `-c search_path=${schema} -c idle_in_transaction_session_timeout=` +
      positive('idleInTransactionMs', options.idleInTransactionMs, defaultIdleInTransactionMs),
    application_name: options.applicationName ?? 'weft',
    types,
  };
  const opened: Opened = {
    pool: new pg.Pool({
      ...config,
      max: positive('poolSize', options.poolSize, 10),
      // Statements sent together go out together (connection.ts transaction).
      pipeline: options.pipeline ?? true,
      ...(options.preparedStatements === false
        ? {}
        : { Client: PreparingClient as unknown as new () => pg.ClientBase }),
    }),
    config,
    schema,
    limits,
    agingMs: positive('agingSeconds', options.agingSeconds, 60) * 1000,
    pollMs: positive('pollMs', options.pollMs, 1000),
    retryBudgetMs: positive('retryBudgetMs', options.retryBudgetMs, 10_000),
  };
  // An idle connection killed by the server emits 'error' on the pool: the pool drops it
  // and the next query opens a new one. Without this handler the process would crash.
  opened.pool.on('error', () => undefined);
  // And every connection listens to its own 'error' for its whole life (an 'error'
  // without a listener crashes the process). pg-pool listens only while it is idle, and a
  // listener added after pool.connect() comes too late: the pool hands a connection to a
  // waiting connect() inside pg's parse of a chunk (the answer that ends a pool.query()
  // releases it), and a 57P01 behind that answer in the same chunk is emitted before the
  // waiter's code runs. A process stopped while its backends were terminated (SIGSTOP
  // across a PostgreSQL restart, chaos/multi.ts) reads just that; it exited on it
  // (test/store/postgres-terminated.test.ts). Ignoring the event loses nothing: pg fails
  // the connection's queries with the error and later ones as "not queryable" (a lost
  // connection: connection.ts), and the pool drops a connection that is not queryable
  // when it comes back. 'connect' comes before a new connection is first handed out.
  opened.pool.on('connect', (client) => client.on('error', ignoreClientError));
  let client: pg.PoolClient;
  try {
    client = await opened.pool.connect();
  } catch (error) {
    await opened.pool.end();
    throw new Error(
      `cannot connect to PostgreSQL (${redact(options.connectionString)}): ` +
        (error as Error).message,
      { cause: error },
    );
  }
  try {
    await migrate(client, schema, options.now ?? Date.now());
    client.release();
  } catch (error) {
    client.release(error as Error);
    await opened.pool.end();
    throw error;
  }
  return opened;
}

/** A pooled connection's errors reach its user through its queries (openPool). */
function ignoreClientError(): void {}

/** The connection string without its password, for messages. */
export function redact(connectionString: string): string {
  return connectionString.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
