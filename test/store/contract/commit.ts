import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  InvalidRequestError,
  NotFoundError,
  SequenceMismatchError,
} from '../../../src/store/index.js';
import type { GetContext } from '../contract.js';
import { T0, newExecution, seed, taskCompleted, taskStarted } from '../fixtures.js';

export function commitContract(ctx: GetContext): void {
  describe('commit', () => {
    it('appends events, advances nextSeq and sets the status in one commit', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      const result = await store.commit({
        now: T0 + 5,
        writes: [
          {
            executionId: 'e1',
            expectedNextSeq: 2,
            events: [taskStarted(0), taskCompleted(0, { ok: true })],
            status: { state: 'suspended' },
          },
        ],
      });
      expect(result.nextSeqs).toEqual([4]);
      const record = await store.getExecution('e1');
      expect(record).toMatchObject({
        nextSeq: 4,
        status: { state: 'suspended' },
        updatedAt: T0 + 5,
      });
      const history = await store.loadHistory('e1');
      expect(history.map((r) => [r.seq, r.event.type])).toEqual([
        [1, 'ExecutionStarted'],
        [2, 'TaskStarted'],
        [3, 'TaskCompleted'],
      ]);
      expect(history[2]?.event).toEqual(taskCompleted(0, { ok: true }));
    });

    it('rejects a sequence mismatch naming both numbers and writes nothing of the batch', async () => {
      const { store } = ctx();
      await seed(store, ['e1', 'e2']);
      const attempt = store.commit({
        now: T0,
        writes: [
          { executionId: 'e1', expectedNextSeq: 2, events: [taskStarted(0)] },
          { executionId: 'e2', expectedNextSeq: 5, events: [taskStarted(0)] },
        ],
      });
      await expect(attempt).rejects.toBeInstanceOf(SequenceMismatchError);
      await expect(attempt).rejects.toThrow(
        /execution e2: .*expected next sequence number 5.* at 2/,
      );
      expect((await store.loadHistory('e1')).length).toBe(1);
      expect((await store.getExecution('e1'))?.nextSeq).toBe(2);
    });

    it('lets exactly one of many concurrent commits with the same expected seq win', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          store.commit({
            now: T0,
            writes: [{ executionId: 'e1', expectedNextSeq: 2, events: [taskStarted(i)] }],
          }),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const rejected = outcomes.filter((o) => o.status === 'rejected');
      expect(rejected).toHaveLength(7);
      for (const o of rejected) expect(o.reason).toBeInstanceOf(SequenceMismatchError);
      expect(await store.loadHistory('e1')).toHaveLength(2);
    });

    it('keeps every one of many concurrent commits to different executions', async () => {
      const { store } = ctx();
      const ids = Array.from({ length: 150 }, (_, i) => `e${i}`);
      await seed(store, ids);
      for (let round = 0; round < 3; round++) {
        await Promise.all(
          ids.map((id) =>
            store.commit({
              now: T0,
              writes: [
                { executionId: id, expectedNextSeq: 2 + round, events: [taskStarted(round)] },
              ],
            }),
          ),
        );
      }
      for (const id of [ids[0]!, ids[77]!, ids[149]!]) {
        const history = await store.loadHistory(id);
        expect(history.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
      }
      const page = await store.listExecutions({ limit: 1000 });
      expect(page.items.every((e) => e.nextSeq === 5)).toBe(true);
    });

    it('writes several executions and starts a child in one batch', async () => {
      const { store } = ctx();
      const wf = await seed(store, ['parent', 'other']);
      const result = await store.commit({
        now: T0 + 1,
        create: [newExecution('child', wf, { parentId: 'parent', time: T0 + 1 })],
        writes: [
          { executionId: 'parent', expectedNextSeq: 2, events: [taskStarted(0)] },
          { executionId: 'other', expectedNextSeq: 2, events: [taskStarted(0), taskCompleted(0)] },
        ],
      });
      expect(result.nextSeqs).toEqual([3, 4]);
      expect(result.created.map((c) => [c.execution.id, c.created])).toEqual([['child', true]]);
      expect((await store.getExecution('child'))?.parentId).toBe('parent');
    });

    it('rejects the whole batch when a child in it cannot be created', async () => {
      const { store } = ctx();
      const wf = await seed(store, ['parent']);
      const attempt = store.commit({
        now: T0,
        create: [newExecution('parent', wf)],
        writes: [{ executionId: 'parent', expectedNextSeq: 2, events: [taskStarted(0)] }],
      });
      await expect(attempt).rejects.toBeInstanceOf(ConflictError);
      expect((await store.getExecution('parent'))?.nextSeq).toBe(2);
    });

    it('rejects history for an execution that has completed', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      await store.commit({
        now: T0,
        writes: [
          { executionId: 'e1', expectedNextSeq: 2, status: { state: 'completed', output: 7 } },
        ],
      });
      expect((await store.getExecution('e1'))?.status).toEqual({ state: 'completed', output: 7 });
      const attempt = store.commit({
        now: T0,
        writes: [{ executionId: 'e1', expectedNextSeq: 2, events: [taskStarted(0)] }],
      });
      await expect(attempt).rejects.toThrow(/execution e1 is completed: it takes no more history/);
    });

    it('keeps the park reason of a parked execution', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      const status = {
        state: 'parked',
        reason: 'determinism',
        detail: 'task /do/1 moved',
      } as const;
      await store.commit({ now: T0, writes: [{ executionId: 'e1', expectedNextSeq: 2, status }] });
      expect((await store.getExecution('e1'))?.status).toEqual(status);
    });

    it('rejects a commit to an execution that does not exist', async () => {
      const { store } = ctx();
      const attempt = store.commit({
        now: T0,
        writes: [{ executionId: 'ghost', expectedNextSeq: 2, events: [taskStarted(0)] }],
      });
      await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
      await expect(attempt).rejects.toThrow(/execution ghost does not exist/);
    });

    it('rejects a batch naming one execution twice', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      const write = { executionId: 'e1', expectedNextSeq: 2, events: [taskStarted(0)] };
      const attempt = store.commit({ now: T0, writes: [write, write] });
      await expect(attempt).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(attempt).rejects.toThrow(/e1 appears twice/);
    });

    it('rejects an event without a version, naming the execution and the seq', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      const bad = { ...taskStarted(0), v: undefined } as unknown as ReturnType<typeof taskStarted>;
      const attempt = store.commit({
        now: T0,
        writes: [{ executionId: 'e1', expectedNextSeq: 2, events: [bad] }],
      });
      await expect(attempt).rejects.toThrow(/execution e1: event 2 \(TaskStarted\).*`v`/);
    });

    it('loads history after a sequence number and up to a limit', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      await store.commit({
        now: T0,
        writes: [
          {
            executionId: 'e1',
            expectedNextSeq: 2,
            events: [taskStarted(0), taskCompleted(0), taskStarted(1), taskCompleted(1)],
          },
        ],
      });
      const after = await store.loadHistory('e1', { after: 2 });
      expect(after.map((r) => r.seq)).toEqual([3, 4, 5]);
      const limited = await store.loadHistory('e1', { after: 1, limit: 2 });
      expect(limited.map((r) => r.seq)).toEqual([2, 3]);
      await expect(store.loadHistory('ghost')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('keeps event fields it does not know about', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      const extended = { ...taskCompleted(0), attempt: 3, note: { added: 'later' } };
      await store.commit({
        now: T0,
        writes: [{ executionId: 'e1', expectedNextSeq: 2, events: [extended] }],
      });
      const [record] = await store.loadHistory('e1', { after: 1 });
      expect(record?.event).toEqual(extended);
    });
  });
}
