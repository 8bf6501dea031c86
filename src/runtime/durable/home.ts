// Which store the CLI opens (docs/cli.md "Choosing the store"), decided in one place:
//   --store URL   (weft run, resume, worker, serve, executions) wins over
//   WEFT_STORE    (an empty value counts as unset), which wins over
//   the default   the embedded SQLite file $WEFT_HOME/weft.db (WEFT_HOME default ./.weft).
// URL forms: postgres://... or postgresql://... (PostgreSQL; weft's own query parameters
// `schema` and `pool` are taken out of the URL, the rest goes to the driver), sqlite:PATH,
// or a plain file path (SQLite). SQLite is opened with synchronous=FULL unless
// WEFT_SYNCHRONOUS=NORMAL (docs/guarantees.md).
//
// The schema is a URL parameter rather than a flag of its own so that one string
// (one environment variable) configures every process of an installation the same way.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isConnectionLoss } from '../../store/postgres/connection.js';
import { openPostgresStore } from '../../store/postgres/index.js';
import { checkSchemaName } from '../../store/postgres/migrate.js';
import { redact } from '../../store/postgres/open.js';
import { openSqliteStore } from '../../store/sqlite/index.js';
import type { Store } from '../../store/types.js';

export type StoreSpec =
  | { kind: 'sqlite'; path: string; from: StoreSource }
  | {
      kind: 'postgres';
      connectionString: string;
      schema: string;
      poolSize?: number;
      from: StoreSource;
    };

/** Where the choice came from, for messages. */
export type StoreSource = '--store' | 'WEFT_STORE' | 'WEFT_HOME';

/** A store URL that cannot be used; the message starts with the flag or variable. */
export class StoreConfigError extends Error {}

export function homeStorePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(resolve(env.WEFT_HOME ?? '.weft'), 'weft.db');
}

const scheme = /^([a-z][a-z0-9+.-]*):/i;
const usageHint =
  'use postgres://USER@HOST:PORT/DATABASE[?schema=NAME&pool=N], sqlite:PATH or a path';

/** Decides the store from the --store value (undefined when not given) and the environment. */
export function storeSpec(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): StoreSpec {
  const fromEnv = env.WEFT_STORE;
  const [value, from]: [string | undefined, StoreSource] =
    flag !== undefined
      ? [flag, '--store']
      : fromEnv !== undefined && fromEnv !== ''
        ? [fromEnv, 'WEFT_STORE']
        : [undefined, 'WEFT_HOME'];
  if (value === undefined) return { kind: 'sqlite', path: homeStorePath(env), from };
  if (value.trim() === '') throw new StoreConfigError(`${from}: empty store URL; ${usageHint}`);
  const s = scheme.exec(value)?.[1]?.toLowerCase();
  if (s === 'postgres' || s === 'postgresql') return postgresSpec(value, from);
  if (s === 'sqlite') {
    // sqlite:PATH, and sqlite://PATH as other tools write it (sqlite:///abs/file.db)
    const path = value.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '') throw new StoreConfigError(`${from}: sqlite: needs a file path`);
    return { kind: 'sqlite', path: resolve(path), from };
  }
  // A one-letter "scheme" is a Windows drive (C:\...); anything else with :// is a URL
  // weft does not know.
  if (s !== undefined && s.length > 1 && value.slice(s.length, s.length + 3) === '://')
    throw new StoreConfigError(
      `${from}: unsupported store URL scheme '${s}:' in '${redact(value)}'; ${usageHint}`,
    );
  return { kind: 'sqlite', path: resolve(value), from };
}

function postgresSpec(value: string, from: StoreSource): StoreSpec {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new StoreConfigError(`${from}: '${redact(value)}' is not a valid URL; ${usageHint}`);
  }
  if (!value.slice(url.protocol.length).startsWith('//'))
    throw new StoreConfigError(`${from}: '${redact(value)}' must start with ${url.protocol}//`);
  const schema = url.searchParams.get('schema') ?? 'weft';
  try {
    checkSchemaName(schema);
  } catch (e) {
    throw new StoreConfigError(`${from}: ${(e as Error).message}`);
  }
  const pool = url.searchParams.get('pool');
  let poolSize: number | undefined;
  if (pool !== null) {
    poolSize = Number(pool);
    if (!Number.isSafeInteger(poolSize) || poolSize <= 0)
      throw new StoreConfigError(`${from}: pool=${pool}: the pool size must be a positive integer`);
  }
  url.searchParams.delete('schema');
  url.searchParams.delete('pool');
  return {
    kind: 'postgres',
    connectionString: url.toString(),
    schema,
    ...(poolSize !== undefined ? { poolSize } : {}),
    from,
  };
}

/** The store for messages: the SQLite path, or the URL without its password and the schema. */
export function describeStore(spec: StoreSpec): string {
  return spec.kind === 'sqlite'
    ? spec.path
    : `${redact(spec.connectionString)} (schema ${spec.schema})`;
}

/** Settings of the store that come from the command, not from the store URL. */
export interface StoreTuning {
  /** PostgreSQL: PostgresStoreOptions.idleInTransactionMs (a worker's lease bounds it). */
  idleInTransactionMs?: number;
}

export async function openConfiguredStore(
  spec: StoreSpec,
  env: NodeJS.ProcessEnv = process.env,
  tuning: StoreTuning = {},
): Promise<Store> {
  if (spec.kind === 'postgres')
    return openPostgresStore({
      connectionString: spec.connectionString,
      schema: spec.schema,
      ...(spec.poolSize !== undefined ? { poolSize: spec.poolSize } : {}),
      ...(tuning.idleInTransactionMs !== undefined
        ? { idleInTransactionMs: tuning.idleInTransactionMs }
        : {}),
    });
  mkdirSync(dirname(spec.path), { recursive: true });
  return openSqliteStore({
    path: spec.path,
    synchronous: env.WEFT_SYNCHRONOUS === 'NORMAL' ? 'NORMAL' : 'FULL',
  });
}

/** How long `weft serve` and `weft worker` wait at start for a PostgreSQL that is down. */
export const startupWaitMs = 60_000;

/**
 * For the commands: decides and opens the store, or writes `weft COMMAND: ...` on stderr
 * and returns exit code 2 (a bad URL, an unreachable database, an unopenable file: the
 * command did nothing). With `waitMs` (the long-running `serve` and `worker`) a database
 * that is down or restarting (connection refused, "the database system is starting up /
 * shutting down") is tried again with backoff for that long, saying so once on stderr:
 * a worker restarted by its supervisor while PostgreSQL restarts waits instead of dying.
 */
export async function openStoreFor(
  command: string,
  flag: string | undefined,
  options: { env?: NodeJS.ProcessEnv; waitMs?: number; tuning?: StoreTuning } = {},
): Promise<{ store: Store; spec: StoreSpec } | number> {
  const env = options.env ?? process.env;
  let spec: StoreSpec;
  try {
    spec = storeSpec(flag, env);
  } catch (e) {
    if (!(e instanceof StoreConfigError)) throw e;
    process.stderr.write(`weft ${command}: ${e.message}\n`);
    return 2;
  }
  const until = Date.now() + (options.waitMs ?? 0);
  for (let attempt = 0; ; attempt++) {
    try {
      return { store: await openConfiguredStore(spec, env, options.tuning), spec };
    } catch (e) {
      const down = isConnectionLoss(e) || isConnectionLoss((e as Error).cause);
      const wait = Math.min(100 * 2 ** attempt, 2000);
      if (spec.kind === 'postgres' && down && Date.now() + wait < until) {
        if (attempt === 0)
          process.stderr.write(
            `weft ${command}: waiting for PostgreSQL (${(e as Error).message})\n`,
          );
        await new Promise((r) => setTimeout(r, wait));
        continue;
      }
      process.stderr.write(
        `weft ${command}: ${spec.from}: cannot open the store ${describeStore(spec)}: ${(e as Error).message}\n`,
      );
      return 2;
    }
  }
}

/** Takes `--store URL` / `--store=URL` out of `args`; a string is the error message. */
export function takeStoreFlag(args: string[]): { store?: string; rest: string[] } | string {
  const rest: string[] = [];
  let store: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--store' || a.startsWith('--store=')) {
      const v = a === '--store' ? args[++i] : a.slice('--store='.length);
      if (v === undefined || v === '') return '--store needs a value (a URL or a path)';
      store = v;
    } else rest.push(a);
  }
  return store !== undefined ? { store, rest } : { rest };
}
