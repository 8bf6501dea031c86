// weft run on the store, SIGKILLed while its execution waits; weft resume finishes it;
// the local `weft executions` module lists, shows and cancels.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/index.js';
import { weft } from '../helpers/cli.js';
import { doc, engineOn, tempHome, tick } from './helpers.js';

const home = tempHome('weft-cli-durable-');
afterAll(() => home.remove());
const env = { WEFT_HOME: home.dir };
const entry = new URL('../../src/cli/entry.ts', import.meta.url).pathname;

/** Runs src/cli/executions.ts directly (the `executions` command name is the client's now). */
function executions(args: string[], onEnv: Record<string, string> = env) {
  const script = `const m = await import(${JSON.stringify(new URL('../../src/cli/executions.ts', import.meta.url).pathname)}); process.exitCode = await m.run(${JSON.stringify(args)});`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, ...onEnv, WEFT_SERVER: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function waitForTimer(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      const store = openSqliteStore({ path: home.path, integrityCheck: 'none' });
      const due = await store.dueTimers(Date.now() + 3_600_000, 10);
      await store.close();
      if (due.length > 0) return;
    } catch {
      // not created yet
    }
    await tick(50);
  }
  throw new Error('the timer never appeared in the store');
}

describe('durable CLI', () => {
  it('finishes with weft resume an execution whose weft run was SIGKILLed, one JSON line each', async () => {
    const file = join(home.dir, 'sleepy.yaml');
    writeFileSync(
      file,
      "document: {dsl: '1.0.0', namespace: test, name: sleepy, version: '1.0.0'}\n" +
        'do:\n  - w: {wait: {milliseconds: 1500}}\n  - s: {set: {woke: true}}\n',
    );
    const child = spawn(process.execPath, ['--import', 'tsx', entry, 'run', file], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    await waitForTimer();
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));

    const listed = executions(['list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const items = JSON.parse(listed.stdout) as { id: string; status: { state: string } }[];
    expect(items).toHaveLength(1);
    expect(items[0]!.status.state).toBe('running');

    const r = weft(['resume'], { env });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([{ id: items[0]!.id, status: 'completed', output: { woke: true } }]);

    const shown = executions(['show', items[0]!.id, '--json']);
    const record = JSON.parse(shown.stdout) as { history: { event: { type: string } }[] };
    expect(record.history.map((h) => h.event.type)).toEqual([
      'ExecutionStarted',
      'TimerStarted',
      'TimerFired',
      'ExecutionCompleted',
    ]);
    // nothing left to resume
    expect(weft(['resume'], { env }).stdout).toBe('');
  }, 60_000);

  it('cancels an execution by id and names one that does not exist', async () => {
    const file = join(home.dir, 'long.yaml');
    writeFileSync(
      file,
      "document: {dsl: '1.0.0', namespace: test, name: long, version: '1.0.0'}\n" +
        'do:\n  - w: {wait: {hours: 1}}\n',
    );
    const child = spawn(process.execPath, ['--import', 'tsx', entry, 'run', file], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    await waitForTimer();
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const listed = JSON.parse(executions(['list', '--state', 'running', '--json']).stdout) as {
      id: string;
    }[];
    expect(listed).toHaveLength(1);
    const c = executions(['cancel', listed[0]!.id, '--reason', 'enough', '--json']);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({
      status: { state: 'cancelled', reason: 'enough' },
    });
    const missing = executions(['show', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/execution nope does not exist/);
    expect(executions(['frob']).code).toBe(2);
  }, 60_000);

  it('suspends and resumes through the store: the worker serving it holds it, then finishes it', async () => {
    const own = tempHome('weft-cli-suspend-');
    const ownEnv = { WEFT_HOME: own.dir };
    const read = async (id: string) => {
      const store = openSqliteStore({ path: own.path, integrityCheck: 'none' });
      try {
        const record = await store.getExecution(id);
        return { state: record?.status.state, events: (await store.loadHistory(id)).length };
      } finally {
        await store.close();
      }
    };
    // an execution left running (its process gone): a short wait, then a set
    const store = openSqliteStore({ path: own.path });
    const engine = engineOn(store);
    const [ref] = await engine.register(
      doc('held', [{ w: { wait: { milliseconds: 300 } } }, { s: { set: { ok: true } } }]),
    );
    const { id } = await engine.start(ref!, {});
    await engine.close();
    await store.close();
    const before = await read(id);

    // nothing serves the store: the command only writes the request
    const suspended = executions(['suspend', id, '--json'], ownEnv);
    expect(suspended.code, suspended.stderr).toBe(0);
    expect(JSON.parse(suspended.stdout)).toMatchObject({ id, status: { state: 'suspended' } });
    expect(await read(id)).toEqual({ state: 'suspended', events: before.events });

    const worker = spawn(process.execPath, ['--import', 'tsx', entry, 'worker'], {
      env: { ...process.env, ...ownEnv, WEFT_STORE: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    worker.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      for (let i = 0; i < 300 && !stderr.includes('serving'); i++) await tick(50);
      await tick(800); // the timer came due: the worker holds its outcome
      expect((await read(id)).state).toBe('suspended');

      const resumed = executions(['resume', id], ownEnv);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stderr).toMatch(
        new RegExp(`process ${worker.pid} .* serves this store: resume of execution ${id}`),
      );
      let state: string | undefined;
      for (let i = 0; i < 200 && state !== 'completed'; i++) {
        await tick(50);
        state = (await read(id)).state;
      }
      expect(state).toBe('completed');
      const refused = executions(['suspend', id], ownEnv);
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.stderr)).toMatchObject({
        status: 409,
        detail: `execution ${id} is completed; only a running execution can be suspended`,
      });
    } finally {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.on('exit', r));
      own.remove();
    }
  }, 60_000);

  it('terminates an execution with one write, and refuses one that has ended', async () => {
    const store = openSqliteStore({ path: home.path, integrityCheck: 'none' });
    const engine = engineOn(store);
    const [ref] = await engine.register(doc('forever', [{ w: { wait: { hours: 1 } } }]));
    const { id } = await engine.start(ref!, {});
    await engine.close();
    await store.close();

    const t = executions(['terminate', id, '--reason', 'gone', '--json']);
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(t.stdout)).toMatchObject({
      id,
      status: { state: 'cancelled', reason: 'gone' },
    });
    const shown = JSON.parse(executions(['show', id, '--json']).stdout) as {
      history: { event: { type: string; terminated?: boolean } }[];
    };
    expect(shown.history.at(-1)?.event).toMatchObject({
      type: 'ExecutionCancelled',
      terminated: true,
    });
    const again = executions(['terminate', id]);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr)).toMatchObject({
      status: 409,
      detail: `execution ${id} is cancelled; only a running, suspended or parked one can be terminated`,
    });
  }, 60_000);

  it('resumes a parked execution for the next worker, and refuses one that has ended', async () => {
    let store = openSqliteStore({ path: home.path, integrityCheck: 'none' });
    let engine = engineOn(store);
    const [ref] = await engine.register(
      doc('parks', [{ w: { wait: { seconds: 1 } } }, { s: { set: { ok: true } } }]),
    );
    const { id } = await engine.start(ref!, {});
    await engine.close();
    // five recoveries that died before making progress: the next one parks it
    for (let i = 0; i < 5; i++) await store.noteRecoveryAttempt(id, Date.now());
    await store.close();
    store = openSqliteStore({ path: home.path, integrityCheck: 'none' });
    engine = engineOn(store);
    expect((await engine.recover()).parked).toEqual([id]);
    await engine.close();
    await store.close();

    const resumed = executions(['resume', id, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      id,
      status: { state: 'running' },
      recoveryAttempts: 0,
    });
    const finished = weft(['resume'], { env });
    expect(finished.code, finished.stderr).toBe(0);
    expect(JSON.parse(finished.stdout)).toEqual({ id, status: 'completed', output: { ok: true } });
    const again = executions(['resume', id]);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr)).toMatchObject({
      status: 409,
      detail: `execution ${id} is completed; only a suspended or parked execution can be resumed`,
    });
  }, 60_000);
});
