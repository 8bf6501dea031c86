import { describe, expect, it } from 'vitest';
import { StoreClosedError } from '../../../src/store/index.js';
import type { GetContext } from '../contract.js';
import { T0, seed, taskCompleted, taskStarted } from '../fixtures.js';

export function durabilityContract(ctx: GetContext): void {
  describe('durability', () => {
    it('keeps workflows, executions, history and work across close and reopen', async () => {
      const c = ctx();
      const wf = await seed(c.store, ['e1']);
      await c.store.commit({
        now: T0 + 1,
        writes: [
          {
            executionId: 'e1',
            expectedNextSeq: 2,
            events: [taskStarted(0), taskCompleted(0, { total: 42 })],
            status: { state: 'suspended' },
            addWork: [{ key: 'timer:1', kind: 'timer', dueAt: T0 + 100 }],
          },
        ],
      });
      const before = await c.store.getExecution('e1');
      const store = await c.reopen();
      expect(await store.getWorkflow(wf)).toEqual(wf);
      expect(await store.getExecution('e1')).toEqual(before);
      const history = await store.loadHistory('e1');
      expect(history.map((r) => r.event)).toEqual([
        expect.objectContaining({ type: 'ExecutionStarted' }),
        taskStarted(0),
        taskCompleted(0, { total: 42 }),
      ]);
      expect((await store.dueTimers(T0 + 100, 5)).map((w) => w.key)).toEqual(['timer:1']);
      const next = await store.commit({
        now: T0 + 2,
        writes: [{ executionId: 'e1', expectedNextSeq: 4, events: [taskStarted(1)] }],
      });
      expect(next.nextSeqs).toEqual([5]);
    });

    it('settles every commit issued before close, then refuses new work', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      const pending = store.commit({
        now: T0,
        writes: [{ executionId: 'e1', expectedNextSeq: 2, events: [taskStarted(0)] }],
      });
      await store.close();
      expect((await pending).nextSeqs).toEqual([3]);
      await expect(store.getExecution('e1')).rejects.toBeInstanceOf(StoreClosedError);
      const late = store.commit({ now: T0, writes: [] });
      await expect(late).rejects.toThrow(/the store is closed/);
    });
  });
}
