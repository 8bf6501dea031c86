// Crash safety: a child process commits in a loop and is killed with SIGKILL, twice.
// On reopen every acknowledged commit is there and no batch is there in part.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/index.js';

const child = fileURLToPath(new URL('./fixtures/commit-loop.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'weft-sigkill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the child until it acknowledged `acks` commits, then SIGKILLs it. */
function runAndKill(path: string, sync: string, acks: number): Promise<Map<number, number>> {
  const acked = new Map<number, number>();
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let seen = 0;
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const [word, lane, batch] = line.split(' ');
      if (word !== 'ack') return;
      acked.set(Number(lane), Number(batch));
      seen += 1;
      if (seen === acks) proc.kill('SIGKILL');
    });
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`child exited with ${code} before the kill: ${stderr}`));
    });
  });
}

// NORMAL defers the fsync to checkpoints, which loses nothing on a process crash (only
// on a power loss): both settings must pass.
describe.each(['FULL', 'NORMAL'])('SQLite store (synchronous=%s) under SIGKILL', (sync) => {
  it('keeps every acknowledged commit and no partial batch, across two kills', async () => {
    const path = join(dir, `${sync}.db`);
    for (const acks of [150, 300]) {
      const acked = await runAndKill(path, sync, acks);
      expect(acked.size).toBe(4);
      const store = openSqliteStore({ path });
      for (const [lane, lastAck] of acked) {
        const a = await store.loadHistory(`a${lane}`);
        const b = await store.loadHistory(`b${lane}`);
        // Both executions are written by the same commits: equal lengths, whole batches.
        expect(b.length).toBe(a.length);
        expect((a.length - 1) % 3).toBe(0);
        const batches = (a.length - 1) / 3;
        expect(batches).toBeGreaterThanOrEqual(lastAck);
        expect(a.map((r) => r.seq)).toEqual(a.map((_, i) => i + 1));
        const last = a[a.length - 2]?.event;
        expect(last).toMatchObject({ type: 'TaskCompleted', result: { batch: batches } });
      }
      await store.close();
    }
  });
});
