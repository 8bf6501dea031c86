// Choosing the store from the CLI (src/runtime/durable/home.ts): --store URL and
// WEFT_STORE (the flag wins), PostgreSQL URLs with ?schema= and ?pool=, sqlite:PATH and
// plain paths, the SQLite default under $WEFT_HOME; a bad URL exits 2 naming the flag or
// the variable. The PostgreSQL cases run the real CLI against the test database, each on
// a fresh schema.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreConfigError, storeSpec } from '../../src/runtime/durable/home.js';
import { openPostgresStore } from '../../src/store/index.js';
import { weft } from '../helpers/cli.js';
import { describePg, dropSchema, freshSchema, pgUnavailable, pgUrl } from '../store/pg-helpers.js';
import { doc, engineOn, tempHome, tick } from './helpers.js';

const home = tempHome('weft-cli-store-');
afterAll(() => home.remove());
const hello = new URL('../../examples/hello.yaml', import.meta.url).pathname;
const entry = new URL('../../src/cli/entry.ts', import.meta.url).pathname;
const withSchema = (schema: string) => `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=${schema}`;

describe('storeSpec', () => {
  const env = { WEFT_HOME: '/h' };
  it('defaults to $WEFT_HOME/weft.db, and an empty WEFT_STORE counts as unset', () => {
    expect(storeSpec(undefined, env)).toEqual({
      kind: 'sqlite',
      path: '/h/weft.db',
      from: 'WEFT_HOME',
    });
    expect(storeSpec(undefined, { ...env, WEFT_STORE: '' })).toMatchObject({ path: '/h/weft.db' });
  });

  it('takes schema and pool out of a PostgreSQL URL and keeps the driver parameters', () => {
    expect(
      storeSpec('postgresql://u:p@db:5433/weft?schema=team_a&pool=4&sslmode=disable', env),
    ).toEqual({
      kind: 'postgres',
      connectionString: 'postgresql://u:p@db:5433/weft?sslmode=disable',
      schema: 'team_a',
      poolSize: 4,
      from: '--store',
    });
    expect(storeSpec(undefined, { WEFT_STORE: 'postgres://db/weft' })).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://db/weft',
      schema: 'weft',
      from: 'WEFT_STORE',
    });
  });

  it('lets the flag win over WEFT_STORE', () => {
    expect(storeSpec('/tmp/x.db', { WEFT_STORE: 'postgres://db/weft' })).toEqual({
      kind: 'sqlite',
      path: '/tmp/x.db',
      from: '--store',
    });
  });

  it('reads sqlite:PATH, sqlite:///ABS and plain paths as SQLite files', () => {
    expect(storeSpec('sqlite:/var/weft.db', env)).toMatchObject({
      kind: 'sqlite',
      path: '/var/weft.db',
    });
    expect(storeSpec('sqlite:///var/weft.db', env)).toMatchObject({ path: '/var/weft.db' });
    expect(storeSpec('/srv/w.db', env)).toMatchObject({ kind: 'sqlite', path: '/srv/w.db' });
  });

  it('refuses unknown schemes, bad schemas, bad pool sizes and malformed URLs, naming the source', () => {
    const bad = (value: string, fromEnv = false) => {
      try {
        storeSpec(fromEnv ? undefined : value, fromEnv ? { WEFT_STORE: value } : env);
      } catch (e) {
        expect(e).toBeInstanceOf(StoreConfigError);
        return (e as Error).message;
      }
      throw new Error(`accepted ${value}`);
    };
    expect(bad('mysql://db/weft')).toMatch(/^--store: unsupported store URL scheme 'mysql:'/);
    expect(bad('mysql://db/weft', true)).toMatch(/^WEFT_STORE: unsupported/);
    expect(bad('postgres://db/weft?schema=Team-A')).toMatch(/^--store: .*schema "Team-A"/);
    expect(bad('postgres://db/weft?pool=0')).toMatch(/^--store: pool=0: .*positive integer/);
    expect(bad('postgres://[oops/weft')).toMatch(/^--store: .* is not a valid URL/);
    expect(bad('postgres:db/weft')).toMatch(/must start with postgres:\/\//);
    expect(bad('sqlite:')).toMatch(/sqlite: needs a file path/);
    // the password never appears in a message
    expect(bad('mysql://me:secret@db/weft')).not.toMatch(/secret/);
  });
});

describe('weft --store (SQLite)', () => {
  it('runs on sqlite:PATH instead of $WEFT_HOME/weft.db', () => {
    const path = join(home.dir, 'elsewhere', 'w.db');
    const r = weft(['run', hello, '--input', '{"name":"s"}', '--store', `sqlite:${path}`], {
      env: { WEFT_HOME: join(home.dir, 'home'), WEFT_STORE: '' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ greeting: 'Hello, s!' });
    expect(existsSync(path)).toBe(true);
    expect(existsSync(join(home.dir, 'home', 'weft.db'))).toBe(false);
  }, 30_000);

  it('exits 2 with a message naming --store or WEFT_STORE for a bad URL, on every command', () => {
    for (const args of [
      ['run', hello],
      ['resume'],
      ['worker'],
      ['serve', '--port', '0'],
      ['executions', 'list'],
    ]) {
      const r = weft([...args, '--store', 'mysql://db/weft'], {
        env: { WEFT_SERVER: '', WEFT_HOME: join(home.dir, 'bad') },
      });
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^weft ${args[0]}: --store: unsupported store URL`, 'm'));
    }
    const r = weft(['resume'], {
      env: { WEFT_STORE: 'redis://x', WEFT_HOME: join(home.dir, 'bad') },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^weft resume: WEFT_STORE: unsupported store URL scheme 'redis:'/);
    const missing = weft(['worker', '--store'], { env: { WEFT_HOME: join(home.dir, 'bad') } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--store needs a value/);
  }, 60_000);
});

const unavailable = await pgUnavailable();

describePg('weft --store postgres://', unavailable, () => {
  const schemas: string[] = [];
  const fresh = () => {
    const s = freshSchema();
    schemas.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of schemas) await dropSchema(s);
  });

  it('runs an example to its end on a fresh schema, and WEFT_STORE finds it there', () => {
    const url = withSchema(fresh());
    const env = { WEFT_HOME: join(home.dir, 'pg-home'), WEFT_SERVER: '' };
    const r = weft(['run', hello, '--input', '{"name":"pg"}', '--store', url], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ greeting: 'Hello, pg!' });
    // nothing was written to the SQLite default
    expect(existsSync(join(home.dir, 'pg-home', 'weft.db'))).toBe(false);

    const listed = weft(['executions', 'list', '--json'], { env: { ...env, WEFT_STORE: url } });
    expect(listed.code, listed.stderr).toBe(0);
    const items = JSON.parse(listed.stdout) as { status: { state: string; output: unknown } }[];
    expect(items).toHaveLength(1);
    expect(items[0]!.status).toEqual({ state: 'completed', output: { greeting: 'Hello, pg!' } });

    // the flag wins over WEFT_STORE: another schema, so nothing is listed
    const other = weft(['executions', 'list', '--json', '--store', withSchema(fresh())], {
      env: { ...env, WEFT_STORE: url },
    });
    expect(other.code, other.stderr).toBe(0);
    expect(JSON.parse(other.stdout)).toEqual([]);
  }, 60_000);

  it('finishes with weft resume --store an execution another process left (its claim released)', async () => {
    const schema = fresh();
    const url = withSchema(schema);
    // a process starts the execution and stops gracefully while it waits: its claim goes
    // back to the store (a SIGKILLed one would keep it for its lease, 30 s by default)
    const store = await openPostgresStore({ connectionString: pgUrl, schema, poolSize: 2 });
    try {
      const engine = engineOn(store);
      const [ref] = await engine.register(
        doc('sleepy', [{ w: { wait: { milliseconds: 500 } } }, { s: { set: { woke: true } } }]),
      );
      await engine.start(ref!, {});
      await engine.close();
      expect((await store.listExecutions({ states: ['running'] })).items).toHaveLength(1);
    } finally {
      await store.close();
    }
    const r = weft(['resume', '--store', url]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'completed', output: { woke: true } });
  }, 60_000);

  it('weft worker waits at start for a PostgreSQL that does not answer yet, then serves', async () => {
    // a port where nothing listens yet; later a TCP forwarder to the real server opens on it
    const target = new URL(pgUrl);
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const url = new URL(withSchema(fresh()));
    url.hostname = '127.0.0.1';
    url.port = String(port);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', entry, 'worker', '--store', url.toString()],
      {
        env: { ...process.env, WEFT_HOME: join(home.dir, 'wait-home') },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const forwarder = createServer((c) => {
      const s = connect(Number(target.port || 5432), target.hostname);
      c.pipe(s).pipe(c);
      c.on('error', () => s.destroy());
      s.on('error', () => c.destroy());
    });
    try {
      for (let i = 0; i < 600 && !/waiting for PostgreSQL/.test(stderr); i++) await tick(20);
      expect(stderr).toMatch(/^weft worker: waiting for PostgreSQL \(.*ECONNREFUSED/m);
      expect(child.exitCode).toBeNull();
      await new Promise<void>((r) => forwarder.listen(port, '127.0.0.1', r));
      for (let i = 0; i < 600 && !/serving/.test(stderr); i++) await tick(20);
      expect(stderr).toMatch(/^weft worker: serving postgres:\/\/.*\(schema weft_test_/m);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
      forwarder.close();
    }
  }, 60_000);
});
