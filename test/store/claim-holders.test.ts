// Which claims on a SQLite file belong to a process that still drives it
// (src/store/sqlite/claim-holders.ts): a probe of the kernel, by pid and open file.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { holderState, kernelPath } from '../../src/store/sqlite/claim-holders.js';
import { openSqliteStore } from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-holders-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, 'weft.db');
const host = hostname();

/** A child process that opens `file` with SQLite (or nothing) and waits to be killed. */
async function holding(file?: string) {
  const script = file
    ? `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(file)}); db.prepare('SELECT 1').get(); console.log('open'); setInterval(() => {}, 1000);`
    : `console.log('open'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((r) => child.stdout.once('data', () => r()));
  return child;
}

describe('claim holders', () => {
  it('tells a process that has the file open from one that does not, and from the dead', async () => {
    const store = openSqliteStore({ path });
    await store.close();
    const file = kernelPath(path);
    const user = await holding(path);
    const stranger = await holding();
    try {
      expect(holderState(`${host}:${user.pid}:abcd1234`, file)).toBe('alive');
      // alive, but it drives another file (a copy of this one, say)
      expect(holderState(`${host}:${stranger.pid}:abcd1234`, file)).toBe('gone');
      expect(holderState(`${host}:${process.pid}:abcd1234`, file)).toBe('this-process');
      expect(holderState(`elsewhere:${user.pid}:abcd1234`, file)).toBe('gone');
      expect(holderState('w1', file)).toBe('gone'); // a name of its own: cannot be probed
    } finally {
      user.kill('SIGKILL');
      stranger.kill('SIGKILL');
    }
    await new Promise((r) => user.once('exit', r));
    expect(holderState(`${host}:${user.pid}:abcd1234`, file)).toBe('gone');
  });

  it('keeps the claims of a live holder at resetClaims, and frees a dead one at releaseOrphanedClaims', async () => {
    const p2 = join(dir, 'claims.db');
    const store = openSqliteStore({ path: p2 });
    const user = await holding(p2);
    const ref = { namespace: 'n', name: 'w', version: '1', hash: 'h' };
    await store.putWorkflow({ ...ref, source: 's', createdAt: 1 });
    const claimedBy = (i: number) =>
      [`${host}:${user.pid}:live`, `${host}:999999:dead`, 'w1'][i % 3]!;
    for (let i = 0; i < 6; i++) {
      await store.createExecution({
        id: `e${i}`,
        workflow: ref,
        input: {},
        startedEvent: {
          v: 1,
          type: 'ExecutionStarted',
          time: 1,
          workflow: ref,
          input: {},
          seed: 's',
        },
        work: [
          {
            key: 'run',
            kind: 'ready',
            dueAt: 1,
            claim: { worker: claimedBy(i), leaseUntil: 2 ** 50 },
          },
        ],
      });
    }
    const holders = () =>
      store.db.prepare('SELECT claimed_by FROM work ORDER BY execution_id').pluck().all() as (
        string | null
      )[];
    // the serving process starts: the dead holder's and the named one's claims go
    expect(await store.resetClaims(10)).toBe(4);
    expect(holders()).toEqual([claimedBy(0), null, null, claimedBy(0), null, null]);
    // the holder dies while it serves: its claims go at the next check, not its own
    user.kill('SIGKILL');
    await new Promise((r) => user.once('exit', r));
    await store.claimWork({ worker: 'me', now: 20, leaseMs: 2 ** 40, limit: 1 });
    expect(await store.releaseOrphanedClaims('me')).toBe(2);
    expect(holders().filter((h) => h !== null)).toEqual(['me']);
    await store.close();
  });
});
