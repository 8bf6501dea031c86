// The chaos loop: start the worker process, SIGKILL it at a random moment, start it
// again, `kills` times; then let it finish and verify (verify.ts).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/store/index.js';
import { type Ledger, startLedger } from './ledger.js';
import { type Requester, startRequests } from './requests.js';
import { type ChaosCounts, verify } from './verify.js';

export interface ChaosOptions {
  executions: number;
  kills: number;
  /** A kill comes after 1..callsBetweenKills new ledger calls of the incarnation, plus
   *  0..30 ms: at random moments while effects are in flight and being recorded. */
  callsBetweenKills: number;
  waitMs: number;
  /** Suspend and resume random executions from this process while the worker runs
   *  (chaos/requests.ts); stopped before the last incarnation. */
  requests?: boolean;
  /** With requests: every N-th one cancels a running execution instead (0: none). */
  cancelEvery?: number;
  random?: () => number;
  log?: (line: string) => void;
}

const worker = new URL('./worker.ts', import.meta.url).pathname;

function incarnation(
  args: string[],
  ledger: Ledger,
  kill: { afterCalls: number; delayMs: number } | undefined,
) {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  let seen = 0;
  ledger.onCall = () => {
    if (kill && ++seen === kill.afterCalls) setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
  };
  return new Promise<{ code: number | null; signal: string | null; out: string }>((r) =>
    child.on('exit', (code, signal) => {
      ledger.onCall = undefined;
      r({ code, signal, out });
    }),
  );
}

export async function runChaos(
  o: ChaosOptions,
): Promise<ChaosCounts & { killsDone: number; requestPairs: number; cancelRequests: number }> {
  const random = o.random ?? Math.random;
  const dir = mkdtempSync(join(tmpdir(), 'weft-chaos-'));
  const path = join(dir, 'weft.db');
  const ledger = await startLedger(40, random);
  try {
    const args = [path, ledger.url, String(o.executions), String(o.waitMs)];
    let killsDone = 0;
    let requests: Requester | undefined;
    for (let k = 0; k < o.kills; k++) {
      // from the first incarnation on: the store file exists and has its schema
      if (k === 1 && o.requests) requests = startRequests(path, random, o.cancelEvery ?? 0);
      const r = await incarnation(args, ledger, {
        afterCalls: 1 + Math.floor(random() * o.callsBetweenKills),
        delayMs: Math.floor(random() * 30),
      });
      if (r.signal === 'SIGKILL') killsDone++;
      o.log?.(
        `incarnation ${k + 1}: ${r.signal ?? `exit ${r.code}`} (${ledger.calls.length} ledger calls so far)`,
      );
      if (r.code !== null && r.code !== 0) throw new Error(`worker failed: ${r.out}`);
    }
    const { pairs: requestPairs, cancelled } = (await requests?.stop()) ?? {
      pairs: 0,
      cancelled: [],
    };
    const last = await incarnation(args, ledger, undefined);
    if (last.code !== 0) {
      const store = openSqliteStore({ path });
      const stuck = (await store.listExecutions({ states: ['running', 'suspended', 'parked'] }))
        .items;
      await store.close();
      throw new Error(
        `last worker exited ${last.code}: ${last.out}; not finished: ${JSON.stringify(stuck.map((r) => [r.id, r.status, r.recoveryAttempts]).slice(0, 5))}`,
      );
    }
    const store = openSqliteStore({ path });
    try {
      const counts = await verify(store, o.executions, ledger.calls, undefined, new Set(cancelled));
      return { ...counts, killsDone, requestPairs, cancelRequests: cancelled.length };
    } finally {
      await store.close();
    }
  } finally {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
