import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  IdempotencyConflictError,
  InvalidRequestError,
  NotFoundError,
} from '../../../src/store/index.js';
import type { GetContext } from '../contract.js';
import { T0, newExecution, seed, workflow } from '../fixtures.js';

export function executionContract(ctx: GetContext): void {
  describe('executions', () => {
    it('creates a running execution whose history starts with ExecutionStarted', async () => {
      const { store } = ctx();
      const wf = await seed(store, []);
      const { execution, created } = await store.createExecution(
        newExecution('e1', wf, { input: { n: 1 }, priority: 3 }),
      );
      expect(created).toBe(true);
      expect(execution).toMatchObject({
        id: 'e1',
        status: { state: 'running' },
        input: { n: 1 },
        priority: 3,
        nextSeq: 2,
        createdAt: T0,
      });
      const history = await store.loadHistory('e1');
      expect(history.map((r) => [r.seq, r.event.type])).toEqual([[1, 'ExecutionStarted']]);
      expect(await store.getExecution('e1')).toEqual(execution);
    });

    it('pins an execution to the workflow version and hash it started with', async () => {
      const { store } = ctx();
      const v1 = await seed(store, ['e1']);
      await store.putWorkflow(workflow('2.0.0', 'the second text'));
      const record = await store.getExecution('e1');
      expect(record?.workflow).toEqual({
        namespace: 'test',
        name: 'orders',
        version: '1.0.0',
        hash: v1.hash,
      });
    });

    it('rejects an execution of a workflow version that is not registered', async () => {
      const { store } = ctx();
      await seed(store, []);
      const attempt = store.createExecution(newExecution('e1', workflow('7.0.0')));
      await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
      await expect(attempt).rejects.toThrow(/test\/orders:7\.0\.0 is not registered/);
    });

    it('rejects an execution whose workflow hash differs from the registered one', async () => {
      const { store } = ctx();
      await seed(store, []);
      const attempt = store.createExecution(newExecution('e1', workflow('1.0.0', 'edited')));
      await expect(attempt).rejects.toBeInstanceOf(ConflictError);
      expect(await store.getExecution('e1')).toBeUndefined();
    });

    it('rejects a second execution with the same id', async () => {
      const { store } = ctx();
      const wf = await seed(store, ['e1']);
      const attempt = store.createExecution(newExecution('e1', wf, { input: { other: true } }));
      await expect(attempt).rejects.toBeInstanceOf(ConflictError);
      await expect(attempt).rejects.toThrow(/execution e1 already exists/);
    });

    it('returns the existing execution for a repeated idempotency key and the same input', async () => {
      const { store } = ctx();
      const wf = await seed(store, []);
      const first = await store.createExecution(
        newExecution('e1', wf, { idempotencyKey: 'order-7', input: { a: 1, b: [1, 2] } }),
      );
      const second = await store.createExecution(
        newExecution('e2', wf, { idempotencyKey: 'order-7', input: { b: [1, 2], a: 1 } }),
      );
      expect(second.created).toBe(false);
      expect(second.execution.id).toBe('e1');
      expect(second.execution).toEqual(first.execution);
      expect(await store.getExecution('e2')).toBeUndefined();
    });

    it('rejects a repeated idempotency key with another input as a 422 conflict', async () => {
      const { store } = ctx();
      const wf = await seed(store, []);
      await store.createExecution(newExecution('e1', wf, { idempotencyKey: 'k', input: 1 }));
      const attempt = store.createExecution(
        newExecution('e2', wf, { idempotencyKey: 'k', input: 2 }),
      );
      await expect(attempt).rejects.toBeInstanceOf(IdempotencyConflictError);
      const error = (await attempt.catch((e: unknown) => e)) as IdempotencyConflictError;
      expect(error.toProblem()).toMatchObject({ status: 422 });
      expect(error.message).toMatch(/"k" already started execution e1 with a different input/);
    });

    it('rejects a repeated idempotency key for another workflow version', async () => {
      const { store } = ctx();
      const wf = await seed(store, []);
      const v2 = workflow('2.0.0');
      await store.putWorkflow(v2);
      await store.createExecution(newExecution('e1', wf, { idempotencyKey: 'k', input: 1 }));
      const attempt = store.createExecution(
        newExecution('e2', v2, { idempotencyKey: 'k', input: 1 }),
      );
      await expect(attempt).rejects.toThrow(/different workflow \(test\/orders:2\.0\.0\)/);
    });

    it('creates one execution when the same idempotency key starts concurrently', async () => {
      const { store } = ctx();
      const wf = await seed(store, []);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.createExecution(newExecution(`e${i}`, wf, { idempotencyKey: 'k', input: 1 })),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.execution.id)).size).toBe(1);
      expect((await store.listExecutions()).items).toHaveLength(1);
    });

    it('rejects a first history event that is not ExecutionStarted', async () => {
      const { store } = ctx();
      const wf = await seed(store, []);
      const bad = {
        ...newExecution('e1', wf),
        startedEvent: { type: 'TimerFired', v: 1, time: T0, effectId: 0 } as const,
      };
      await expect(store.createExecution(bad)).rejects.toBeInstanceOf(InvalidRequestError);
    });

    it('rejects a priority that is not an integer', async () => {
      const { store } = ctx();
      const wf = await seed(store, []);
      const attempt = store.createExecution(newExecution('e1', wf, { priority: 1.5 }));
      await expect(attempt).rejects.toThrow(/execution e1: priority must be an integer/);
    });

    it('links a child to its parent and rejects a parent that does not exist', async () => {
      const { store } = ctx();
      const wf = await seed(store, ['parent', 'other']);
      await store.createExecution(newExecution('child', wf, { parentId: 'parent' }));
      const children = await store.listExecutions({ parentId: 'parent' });
      expect(children.items.map((e) => [e.id, e.parentId])).toEqual([['child', 'parent']]);
      const orphan = store.createExecution(newExecution('orphan', wf, { parentId: 'nobody' }));
      await expect(orphan).rejects.toThrow(/parent execution nobody does not exist/);
    });

    it('pages executions newest first with a cursor, without gaps or repeats', async () => {
      const { store } = ctx();
      const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
      await seed(store, ids);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listExecutions({ limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((e) => e.id));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor && pages < 10);
      expect(seen).toEqual([...ids].reverse());
      expect(pages).toBe(3);
    });

    it('filters executions by state and by workflow', async () => {
      const { store } = ctx();
      await seed(store, ['a', 'b']);
      const v2 = workflow('2.0.0');
      await store.putWorkflow(v2);
      await store.createExecution(newExecution('c', v2, { time: T0 + 10 }));
      await store.commit({
        now: T0 + 20,
        writes: [
          { executionId: 'a', expectedNextSeq: 2, status: { state: 'completed', output: 1 } },
        ],
      });
      const completed = await store.listExecutions({ states: ['completed'] });
      expect(completed.items.map((e) => e.id)).toEqual(['a']);
      const running = await store.listExecutions({ states: ['running', 'suspended'] });
      expect(running.items.map((e) => e.id)).toEqual(['c', 'b']);
      const v2Only = await store.listExecutions({ workflow: { version: '2.0.0' } });
      expect(v2Only.items.map((e) => e.id)).toEqual(['c']);
    });

    it('rejects a list cursor it did not make', async () => {
      const { store } = ctx();
      await expect(store.listExecutions({ cursor: 'not-a-cursor' })).rejects.toThrow(
        /cursor "not-a-cursor" is not one this store made/,
      );
    });
  });
}
