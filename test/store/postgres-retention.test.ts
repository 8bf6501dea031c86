// Retention on PostgreSQL with several workers pruning at once (pruneExecutions, FOR
// UPDATE SKIP LOCKED): every ended execution is deleted exactly once, none that runs, and
// no pruner fails or waits on another's rows.
import { expect, it } from 'vitest';
import type { PostgresStore } from '../../src/store/index.js';
import { T0, newExecution, taskCompleted, workflow } from './fixtures.js';
import { describePg, pgUnavailable, schemaPerTest } from './pg-helpers.js';

const unavailable = await pgUnavailable();
const pg = schemaPerTest(unavailable);

describePg('retention across pruners on PostgreSQL', unavailable, () => {
  it('deletes each ended execution once while four pruners run together', async () => {
    const stores = await Promise.all([1, 2, 3, 4].map(() => pg.store()));
    const [first] = stores;
    const wf = workflow();
    await first!.putWorkflow(wf);
    const ended = 300;
    const running = 20;
    await first!.commit({
      now: T0,
      create: Array.from({ length: ended + running }, (_, i) =>
        newExecution(`e${String(i).padStart(4, '0')}`, wf, { time: T0 + i }),
      ),
    });
    await first!.commit({
      now: T0 + 1000,
      writes: Array.from({ length: ended }, (_, i) => ({
        executionId: `e${String(i).padStart(4, '0')}`,
        expectedNextSeq: 2,
        events: [taskCompleted(0)],
        status: { state: 'completed' as const, output: null },
      })),
    });
    // each pruner takes batches of 25 until it finds none left
    const prune = async (s: PostgresStore) => {
      let total = 0;
      for (;;) {
        const n = await s.pruneExecutions(T0 + 2000, 25);
        total += n;
        if (n === 0) return total;
      }
    };
    const counts = await Promise.all(stores.map(prune));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(ended);
    const left = (await first!.listExecutions({ limit: 1000 })).items;
    expect(left).toHaveLength(running);
    expect(left.every((e) => e.status.state === 'running')).toBe(true);
  });
});
