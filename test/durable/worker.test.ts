// weft worker: resumes what it finds in WEFT_HOME, and stops gracefully on SIGTERM.
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { DurableEngine } from '../../src/runtime/durable/engine.js';
import { openSqliteStore } from '../../src/store/index.js';
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
});
