// weft worker: resumes what it finds in WEFT_HOME, and stops gracefully on SIGTERM; one
// serving process per SQLite file (src/store/sqlite/serving-lock.ts).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DurableEngine } from '../../src/runtime/durable/engine.js';
import { openSqliteStore } from '../../src/store/index.js';
import { weft } from '../helpers/cli.js';
import { doc, tempHome, tick } from './helpers.js';

const home = tempHome('weft-worker-');
afterAll(() => home.remove());
const entry = new URL('../../src/cli/entry.ts', import.meta.url).pathname;

describe('weft worker', () => {
  it('finishes an execution left in the store, then exits 0 on SIGTERM', async () => {
    // an execution started and abandoned (its process gone) while it waits
    let store = openSqliteStore({ path: home.path });
    const engine = new DurableEngine({ store, env: {} });
    await engine.register(
      doc('nap', [{ w: { wait: { milliseconds: 300 } } }, { s: { set: { rested: true } } }]),
    );
    const h = await engine.start({ namespace: 'test', name: 'nap' }, {});
    await engine.close();
    await store.close();

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', entry, 'worker', '--poll-ms', '200'],
      {
        env: { ...process.env, WEFT_HOME: home.dir },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let state = 'running';
    for (let i = 0; i < 300 && state !== 'completed'; i++) {
      await tick(50);
      store = openSqliteStore({ path: home.path, integrityCheck: 'none' });
      state = (await store.getExecution(h.id))?.status.state ?? 'missing';
      await store.close();
    }
    expect(state).toBe('completed');
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(stderr).toMatch(/1 resumed, 0 parked/);
    expect(stderr).toMatch(/weft worker: stopped/);
  }, 60_000);

  it('on SIGTERM lets its call in flight finish and records it, so no call runs twice', async () => {
    const dir = tempHome('weft-drain-');
    const hits: string[] = [];
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => (release = r));
    const server = createServer((req, res) => {
      hits.push(req.url!);
      const answer = () => res.end(JSON.stringify({ path: req.url }));
      if (req.url === '/a') void released.then(answer);
      else answer();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      // an execution left in the store, waiting a moment before its two calls
      const store = openSqliteStore({ path: dir.path });
      const engine = new DurableEngine({ store, env: {} });
      const [ref] = await engine.register(
        doc('calls', [
          { w: { wait: { milliseconds: 50 } } },
          { a: { call: 'http', with: { method: 'get', endpoint: `${base}/a` } } },
          { b: { call: 'http', with: { method: 'get', endpoint: `${base}/b` } } },
        ]),
      );
      const { id } = await engine.start(ref!, {});
      await engine.close();
      await store.close();

      const env = { ...process.env, WEFT_HOME: dir.dir, WEFT_STORE: '' };
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', entry, 'worker', '--drain-ms', '60000'],
        {
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      for (let i = 0; i < 300 && hits.length === 0; i++) await tick(50);
      expect(hits).toEqual(['/a']);
      child.kill('SIGTERM');
      for (let i = 0; i < 300 && !stderr.includes('stopping:'); i++) await tick(50);
      expect(stderr).toMatch(
        /weft worker: stopping: calls in flight may finish for up to 60000 ms/,
      );
      release();
      expect(await new Promise((r) => child.on('exit', r))).toBe(0);
      expect(hits).toEqual(['/a']); // b was recorded as started, not called

      // (not spawnSync: this process's server must answer its call)
      const resume = spawn(process.execPath, ['--import', 'tsx', entry, 'resume'], { env });
      let out = '';
      resume.stdout.on('data', (d: Buffer) => (out += d.toString()));
      expect(await new Promise((r) => resume.on('exit', r))).toBe(0);
      const resumed = { stdout: out };
      expect(JSON.parse(resumed.stdout)).toMatchObject({ id, status: 'completed' });
      expect(hits).toEqual(['/a', '/b']); // each call once
    } finally {
      server.close();
      dir.remove();
    }
  }, 60_000);

  it('refuses a --drain-ms that is not a whole number of milliseconds, naming it', () => {
    for (const command of ['worker', 'serve']) {
      for (const bad of ['-1', '1.5', 'soon', '']) {
        const r = weft([command, '--drain-ms', bad], {
          env: { WEFT_HOME: home.dir, WEFT_STORE: '' },
        });
        expect(r.code, `${command} ${bad}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toContain('--drain-ms takes a whole number of milliseconds');
      }
    }
  }, 60_000);

  it('parks as dead-letter past --max-recovery-attempts, and refuses a bound that is not a positive integer', async () => {
    for (const command of ['worker', 'serve']) {
      for (const bad of ['0', '2.5', 'many']) {
        const r = weft([command, '--max-recovery-attempts', bad], {
          env: { WEFT_HOME: home.dir, WEFT_STORE: '' },
        });
        expect(r.code, `${command} ${bad}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toContain(`--max-recovery-attempts takes a positive integer, not ${bad}`);
      }
    }
    // an execution whose process died twice while its call was in flight (two recoveries
    // that made no progress): the default bound (5) would resume it, a bound of 1 parks it
    const dir = tempHome('weft-recoveries-');
    const silent = createServer(() => undefined); // takes the call, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
    try {
      for (let k = 0; k < 2; k++) {
        const store = openSqliteStore({ path: dir.path });
        const engine = new DurableEngine({ store, env: {} });
        if (k === 0) {
          await engine.register(
            doc('stuck', [{ h: { call: 'http', with: { method: 'get', endpoint: url } } }]),
          );
          await engine.start({ namespace: 'test', name: 'stuck' }, {});
        } else await engine.recover();
        await tick(100); // the call is in flight
        await engine.close();
        await store.close();
      }
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', entry, 'worker', '--max-recovery-attempts', '1', '--drain-ms', '0'],
        { env: { ...process.env, WEFT_HOME: dir.dir }, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      for (let i = 0; i < 300 && !/weft worker: serving/.test(stderr); i++) await tick(50);
      child.kill('SIGTERM');
      expect(await new Promise((r) => child.on('exit', r))).toBe(0);
      expect(stderr).toMatch(/0 resumed, 1 parked/);
      const store = openSqliteStore({ path: dir.path, integrityCheck: 'none' });
      const [record] = (await store.listExecutions({})).items;
      expect(record?.status).toMatchObject({
        state: 'parked',
        reason: 'dead-letter',
        detail: expect.stringMatching(/maxRecoveryAttempts = 1\)/) as unknown,
      });
      await store.close();
    } finally {
      silent.closeAllConnections();
      silent.close();
      dir.remove();
    }
  }, 60_000);

  it('refuses to serve a SQLite file another process serves, carries out a cancel asked beside it, and takes over once killed', async () => {
    const env = { ...process.env, WEFT_HOME: home.dir, WEFT_STORE: '' };
    // an execution the worker will drive (it waits an hour)
    const store = openSqliteStore({ path: home.path });
    const engine = new DurableEngine({ store, env: {} });
    const [ref] = await engine.register(doc('hour', [{ w: { wait: { hours: 1 } } }]));
    const { id } = await engine.start(ref!, {});
    const { id: second } = await engine.start(ref!, {});
    await engine.close();
    await store.close();
    const child = spawn(process.execPath, ['--import', 'tsx', entry, 'worker'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    for (let i = 0; i < 300 && !stderr.includes('serving'); i++) await tick(50);
    expect(stderr).toMatch(/weft worker: serving/);

    const holder = new RegExp(
      `${home.path}: process ${child.pid} on \\S+, since \\S+ serves this store; SQLite ` +
        'takes one serving process at a time \\(weft worker, weft serve, weft resume\\)',
    );
    for (const command of ['worker', 'resume', 'serve']) {
      const args = command === 'serve' ? ['serve', '--port', '0'] : [command];
      const r = weft([...args], { env });
      expect(r.code, `${command}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^weft ${command}: ${holder.source}`, 'm'));
    }

    // cancelling it here would drive it beside the worker: the command records the
    // request, and the worker carries it out at its next claim round
    const cancel = weft(['executions', 'cancel', id, '--reason', 'not needed'], { env });
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stderr).toMatch(
      new RegExp(
        `process ${child.pid} on \\S+, since \\S+ serves this store: cancel of execution ${id} ` +
          'requested there; waiting for it to end',
      ),
    );
    expect(cancel.stdout).toContain(`${id}  cancelled`);
    const shown = weft(['executions', 'show', id, '--json'], { env });
    const types = (
      JSON.parse(shown.stdout) as { history: { event: { type: string } }[] }
    ).history.map((h) => h.event.type);
    expect(types.filter((t) => t === 'ExecutionCancelRequested')).toHaveLength(1);
    expect(types.at(-1)).toBe('ExecutionCancelled');
    expect(stderr).not.toMatch(/cannot resume|failed/);

    // the kernel releases the lock of a killed process: cancel works locally now, and a
    // new serving process starts at once
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const cancelled = weft(['executions', 'cancel', second], { env });
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stderr).not.toContain('serves this store');
    expect(cancelled.stdout).toContain(`${second}  cancelled`);
    const r = weft(['resume'], { env });
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);

  it('leaves a live weft run its execution, and takes it over once that process is killed', async () => {
    const own = tempHome('weft-run-beside-');
    const env = { ...process.env, WEFT_HOME: own.dir, WEFT_STORE: '' };
    const file = join(own.dir, 'nap.yaml');
    writeFileSync(
      file,
      "document: {dsl: '1.0.0', namespace: test, name: nap, version: '1.0.0'}\n" +
        'do:\n  - w: {wait: {seconds: 3}}\n  - s: {set: {rested: true}}\n',
    );
    const read = async () => {
      const store = openSqliteStore({ path: own.path, integrityCheck: 'none' });
      try {
        const [e] = (await store.listExecutions({})).items;
        const holder = store.db.prepare("SELECT claimed_by FROM work WHERE key = 'run'").pluck();
        return { id: e?.id, state: e?.status.state, holder: holder.get() as string | undefined };
      } finally {
        await store.close();
      }
    };
    const spawnWeft = (args: string[]) =>
      spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const run = spawnWeft(['run', file]);
    let out = '';
    run.stdout.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 300 && !(await read().catch(() => ({ holder: undefined }))).holder; i++)
      await tick(50);
    // a worker starting now leaves the run item to the live `weft run`
    const worker = spawnWeft(['worker', '--poll-ms', '200']);
    let stderr = '';
    worker.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      for (let i = 0; i < 300 && !stderr.includes('serving'); i++) await tick(50);
      expect(stderr).toMatch(/0 resumed/);
      expect((await read()).holder).toMatch(new RegExp(`:${run.pid}:`));
      // killed: the worker finds its claim orphaned within 10 polls and finishes it
      run.kill('SIGKILL');
      await new Promise((r) => run.on('exit', r));
      let seen = await read();
      for (let i = 0; i < 300 && seen.state !== 'completed'; i++) {
        await tick(50);
        seen = await read();
      }
      expect(seen.state).toBe('completed');
      expect(out).toBe('');
      const store = openSqliteStore({ path: own.path, integrityCheck: 'none' });
      const types = (await store.loadHistory(seen.id!)).map((r) => r.event.type);
      await store.close();
      expect(types.filter((t) => t === 'TimerFired')).toHaveLength(1);
    } finally {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.on('exit', r));
      own.remove();
    }
  }, 60_000);
});
