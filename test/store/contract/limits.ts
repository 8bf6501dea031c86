import { describe, expect, it } from 'vitest';
import { LimitExceededError, defaultLimits } from '../../../src/store/index.js';
import type { GetContext } from '../contract.js';
import { T0, newExecution, seed, taskCompleted, taskStarted } from '../fixtures.js';

async function rejection(promise: Promise<unknown>): Promise<LimitExceededError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LimitExceededError);
  return error as LimitExceededError;
}

export function limitsContract(ctx: GetContext): void {
  describe('limits', () => {
    it('uses the documented defaults unless told otherwise', () => {
      expect(ctx().store.limits).toEqual(defaultLimits);
      expect(defaultLimits).toEqual({
        maxPayloadBytes: 1024 * 1024,
        maxHistoryEvents: 50_000,
        maxHistoryBytes: 50 * 1024 * 1024,
      });
    });

    it('rejects an input larger than maxPayloadBytes, naming the limit and the execution', async () => {
      const store = await ctx().reopen({ limits: { maxPayloadBytes: 1000 } });
      const wf = await seed(store, []);
      const error = await rejection(
        store.createExecution(newExecution('big', wf, { input: 'x'.repeat(2000) })),
      );
      expect(error.message).toMatch(
        /execution big: input: 2002 exceeds the limit maxPayloadBytes = 1000/,
      );
      expect(error.toProblem()).toMatchObject({
        status: 413,
        limit: 'maxPayloadBytes',
        max: 1000,
        actual: 2002,
      });
      expect(await store.getExecution('big')).toBeUndefined();
    });

    it('rejects an event result larger than maxPayloadBytes, naming the event', async () => {
      const store = await ctx().reopen({ limits: { maxPayloadBytes: 1000 } });
      await seed(store, ['e1']);
      const error = await rejection(
        store.commit({
          now: T0,
          writes: [
            {
              executionId: 'e1',
              expectedNextSeq: 2,
              events: [taskStarted(0), taskCompleted(0, 'y'.repeat(5000))],
            },
          ],
        }),
      );
      expect(error.message).toMatch(
        /execution e1: event 3 \(TaskCompleted\): \d+ exceeds .*maxPayloadBytes/,
      );
      expect(await store.loadHistory('e1')).toHaveLength(1);
    });

    it('rejects a commit past maxHistoryEvents and keeps the history as it was', async () => {
      const store = await ctx().reopen({ limits: { maxHistoryEvents: 4 } });
      await seed(store, ['e1']);
      await store.commit({
        now: T0,
        writes: [
          { executionId: 'e1', expectedNextSeq: 2, events: [taskStarted(0), taskCompleted(0)] },
        ],
      });
      const error = await rejection(
        store.commit({
          now: T0,
          writes: [
            { executionId: 'e1', expectedNextSeq: 4, events: [taskStarted(1), taskCompleted(1)] },
          ],
        }),
      );
      expect(error.limit).toBe('maxHistoryEvents');
      expect(error.message).toMatch(
        /execution e1: history events: 5 exceeds the limit maxHistoryEvents = 4/,
      );
      expect(error.toProblem().status).toBe(422);
      expect((await store.getExecution('e1'))?.nextSeq).toBe(4);
    });

    it('rejects a commit past maxHistoryBytes', async () => {
      const store = await ctx().reopen({ limits: { maxHistoryBytes: 600 } });
      await seed(store, ['e1']);
      const error = await rejection(
        store.commit({
          now: T0,
          writes: [
            {
              executionId: 'e1',
              expectedNextSeq: 2,
              events: [taskCompleted(0, 'z'.repeat(300)), taskCompleted(1, 'z'.repeat(300))],
            },
          ],
        }),
      );
      expect(error.limit).toBe('maxHistoryBytes');
      expect(error.message).toMatch(
        /execution e1: history bytes: \d+ exceeds the limit maxHistoryBytes = 600/,
      );
      expect((await store.getExecution('e1'))?.historyBytes).toBeLessThan(600);
    });

    it('rejects a limit that is not a positive integer', async () => {
      await expect(ctx().reopen({ limits: { maxHistoryEvents: 0 } })).rejects.toThrow(
        /maxHistoryEvents must be a positive integer/,
      );
    });
  });
}
