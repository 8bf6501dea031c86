// Requests from beside the worker during the chaos run: a process that does not serve the
// SQLite file (this one, the harness) suspends a random running execution and resumes it
// a moment later, again and again, through the store (worker.claimedOnly, as the CLI does).
// The worker carries the requests out at its claim rounds, or its next incarnation does
// after a kill; every execution must still complete right, with no effect run again after
// its result was recorded (verify.ts). With `cancelEvery` N, every N-th request cancels a
// running execution instead: it must end cancelled (or completed, when it finished
// first), and its child with it (verify.ts).
import { DurableEngine } from '../src/runtime/durable/engine.js';
import { openSqliteStore } from '../src/store/index.js';

export interface Requester {
  /** Stops after the pair in progress (its resume is always written): the suspend/resume
   *  pairs, and the executions whose cancel was written. */
  stop(): Promise<{ pairs: number; cancelled: string[] }>;
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startRequests(path: string, random: () => number, cancelEvery = 0): Requester {
  const store = openSqliteStore({ path, synchronous: 'FULL', integrityCheck: 'none' });
  const engine = new DurableEngine({ store, env: {}, worker: { claimedOnly: true } });
  let stopping = false;
  let pairs = 0;
  let requests = 0;
  const cancelled: string[] = [];
  const loop = (async () => {
    while (!stopping) {
      await tick(20 + Math.floor(random() * 60));
      const running = (await store.listExecutions({ states: ['running'], limit: 200 })).items;
      if (running.length === 0) continue;
      const id = running[Math.floor(random() * running.length)]!.id;
      if (cancelEvery > 0 && ++requests % cancelEvery === 0) {
        // a parent: its child (if it made one yet) is cancelled with it
        const parent = running.find((r) => r.id === id)?.parentId ?? id;
        try {
          await engine.cancel(parent, 'chaos');
          cancelled.push(parent);
        } catch {
          // it ended meanwhile
        }
        continue;
      }
      try {
        await engine.suspend(id);
      } catch {
        continue; // it ended meanwhile
      }
      await tick(Math.floor(random() * 80));
      // the resume is written whatever happens to the worker meanwhile
      for (;;) {
        try {
          await engine.resume(id);
          break;
        } catch {
          const state = (await store.getExecution(id))?.status.state;
          if (state !== 'suspended') break; // resumed, or ended, already
          await tick(10); // the store was busy: try again
        }
      }
      pairs++;
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      await engine.close();
      await store.close();
      return { pairs, cancelled };
    },
  };
}
