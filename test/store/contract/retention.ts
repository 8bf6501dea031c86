import { describe, expect, it } from 'vitest';
import { InvalidRequestError, NotFoundError } from '../../../src/store/index.js';
import type { GetContext } from '../contract.js';
import { T0, newExecution, taskCompleted, workflow } from '../fixtures.js';

/** Ends `id` with the given status at `time` (its history: start, one event, the end). */
const end = (id: string, state: 'completed' | 'faulted' | 'cancelled', time: number) => ({
  now: time,
  writes: [
    {
      executionId: id,
      expectedNextSeq: 2,
      events: [taskCompleted(0)],
      status:
        state === 'completed'
          ? { state, output: null }
          : state === 'faulted'
            ? { state, error: { type: 'x', status: 500, title: 't' } }
            : { state },
    },
  ],
});

export function retentionContract(ctx: GetContext): void {
  describe('retention (pruneExecutions)', () => {
    it('deletes only executions that ended before the cutoff, with their histories', async () => {
      const { store } = ctx();
      const wf = workflow();
      await store.putWorkflow(wf);
      const at = (i: number) => ({ time: T0 + i });
      for (const [i, id] of [
        'done',
        'failed',
        'gone',
        'late',
        'running',
        'parked',
        'paused',
      ].entries())
        await store.createExecution(
          newExecution(id, wf, { ...at(i), ...(id === 'done' ? { idempotencyKey: 'k1' } : {}) }),
        );
      await store.commit(end('done', 'completed', T0 + 100));
      await store.commit(end('failed', 'faulted', T0 + 100));
      await store.commit(end('gone', 'cancelled', T0 + 100));
      await store.commit(end('late', 'completed', T0 + 300)); // ended after the cutoff
      await store.commit({
        now: T0 + 100,
        writes: [
          {
            executionId: 'parked',
            expectedNextSeq: 2,
            status: { state: 'parked', reason: 'dead-letter' },
          },
        ],
      });
      await store.commit({
        now: T0 + 100,
        writes: [{ executionId: 'paused', expectedNextSeq: 2, status: { state: 'suspended' } }],
      });

      expect(await store.pruneExecutions(T0 + 200, 2)).toBe(2); // the limit, oldest first
      expect(await store.getExecution('done')).toBeUndefined();
      expect(await store.getExecution('failed')).toBeUndefined();
      expect(await store.getExecution('gone')).toBeDefined();
      expect(await store.pruneExecutions(T0 + 200, 100)).toBe(1);
      expect(await store.pruneExecutions(T0 + 200, 100)).toBe(0);
      for (const id of ['done', 'failed', 'gone']) {
        expect(await store.getExecution(id)).toBeUndefined();
        await expect(store.loadHistory(id)).rejects.toBeInstanceOf(NotFoundError);
      }
      for (const id of ['late', 'running', 'parked', 'paused'])
        expect((await store.loadHistory(id)).length).toBeGreaterThan(0);
      const left = (await store.listExecutions({})).items.map((e) => e.id).sort();
      expect(left).toEqual(['late', 'parked', 'paused', 'running']);
      // the idempotency key of a deleted execution starts a new one
      const again = await store.createExecution(
        newExecution('done2', wf, { time: T0 + 400, idempotencyKey: 'k1' }),
      );
      expect(again).toMatchObject({ created: true, execution: { id: 'done2' } });
    });

    it('refuses a cutoff or a limit that is not a positive integer, naming it', async () => {
      const { store } = ctx();
      await expect(store.pruneExecutions(Number.NaN, 10)).rejects.toThrow(
        /pruneExecutions: before must be an integer/,
      );
      await expect(store.pruneExecutions(T0, 0)).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(store.pruneExecutions(T0, 1.5)).rejects.toThrow(
        /pruneExecutions: limit must be a positive integer/,
      );
    });
  });
}
