import { describe, expect, it } from 'vitest';
import {
  LeaseLostError,
  NotFoundError,
  type NewWorkItem,
  type Store,
} from '../../../src/store/index.js';
import type { GetContext } from '../contract.js';
import { T0, newExecution, seed, taskStarted } from '../fixtures.js';

async function addWork(store: Store, executionId: string, items: NewWorkItem[]) {
  const nextSeq = (await store.getExecution(executionId))!.nextSeq;
  await store.commit({
    now: T0,
    writes: [{ executionId, expectedNextSeq: nextSeq, addWork: items }],
  });
}

const ready = (dueAt = T0): NewWorkItem => ({ key: 'ready', kind: 'ready', dueAt });
const timer = (effectId: number, dueAt: number): NewWorkItem => ({
  key: `timer:${effectId}`,
  kind: 'timer',
  dueAt,
  payload: { effectId },
});

export function workContract(ctx: GetContext): void {
  describe('work', () => {
    it('claims due work but not a timer that is not due yet', async () => {
      const { store } = ctx();
      await seed(store, ['e1', 'e2']);
      await addWork(store, 'e1', [ready()]);
      await addWork(store, 'e2', [timer(0, T0 + 1000)]);
      const claimed = await store.claimWork({
        worker: 'w1',
        now: T0 + 10,
        leaseMs: 5000,
        limit: 10,
      });
      // firstClaim is optional (PostgreSQL reports it, SQLite cannot tell)
      expect(claimed.map(({ firstClaim: _first, ...item }) => item)).toEqual([
        {
          executionId: 'e1',
          key: 'ready',
          kind: 'ready',
          dueAt: T0,
          priority: 0,
          claimedBy: 'w1',
          leaseUntil: T0 + 5010,
        },
      ]);
      const later = await store.claimWork({
        worker: 'w1',
        now: T0 + 1000,
        leaseMs: 500,
        limit: 10,
      });
      expect(later.map((w) => [w.executionId, w.key, w.payload])).toEqual([
        ['e2', 'timer:0', { effectId: 0 }],
      ]);
    });

    it('does not hand claimed work to another worker until the lease lapses', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      await addWork(store, 'e1', [ready()]);
      expect(await store.claimWork({ worker: 'w1', now: T0, leaseMs: 100, limit: 5 })).toHaveLength(
        1,
      );
      expect(await store.claimWork({ worker: 'w2', now: T0 + 99, leaseMs: 100, limit: 5 })).toEqual(
        [],
      );
      const taken = await store.claimWork({ worker: 'w2', now: T0 + 100, leaseMs: 100, limit: 5 });
      expect(taken.map((w) => w.claimedBy)).toEqual(['w2']);
    });

    it('claims higher priority first, then earlier due time, up to the limit', async () => {
      const { store } = ctx();
      const wf = await seed(store, ['low', 'early']);
      await store.createExecution(newExecution('high', wf, { priority: 5, time: T0 + 5 }));
      await addWork(store, 'low', [ready(T0 + 2)]);
      await addWork(store, 'early', [ready(T0 + 1)]);
      await addWork(store, 'high', [ready(T0 + 3)]);
      const claimed = await store.claimWork({ worker: 'w', now: T0 + 10, leaseMs: 10, limit: 2 });
      expect(claimed.map((w) => w.executionId)).toEqual(['high', 'early']);
    });

    it('rejects a claim without a worker or with a lease that is not positive', async () => {
      const { store } = ctx();
      await expect(store.claimWork({ worker: '', now: T0, leaseMs: 10, limit: 1 })).rejects.toThrow(
        /claimWork: worker is required/,
      );
      await expect(store.claimWork({ worker: 'w', now: T0, leaseMs: 0, limit: 1 })).rejects.toThrow(
        /claimWork: leaseMs must be a positive integer/,
      );
    });

    it('claims only the kinds asked for', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      await addWork(store, 'e1', [ready(), timer(1, T0)]);
      const timers = await store.claimWork({
        worker: 'w',
        now: T0,
        leaseMs: 10,
        limit: 9,
        kinds: ['timer'],
      });
      expect(timers.map((w) => w.key)).toEqual(['timer:1']);
    });

    it('lists due timers and the next due time', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      expect(await store.nextDueAt()).toBeUndefined();
      await addWork(store, 'e1', [timer(1, T0 + 50), timer(2, T0 + 20), timer(3, T0 + 90)]);
      expect(await store.nextDueAt()).toBe(T0 + 20);
      const due = await store.dueTimers(T0 + 50, 10);
      expect(due.map((w) => w.key)).toEqual(['timer:2', 'timer:1']);
      expect(await store.dueTimers(T0 + 100, 1)).toHaveLength(1);
    });

    it('removes done work in the commit that records the step, and replaces a re-added key', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      await addWork(store, 'e1', [ready(), timer(1, T0 + 50)]);
      await store.claimWork({ worker: 'w', now: T0 + 60, leaseMs: 10, limit: 9 });
      await store.commit({
        now: T0,
        writes: [
          {
            executionId: 'e1',
            expectedNextSeq: 2,
            events: [taskStarted(0)],
            removeWork: ['ready'],
            addWork: [timer(1, T0 + 500)],
          },
        ],
      });
      const due = await store.dueTimers(T0 + 1000, 10);
      expect(due).toEqual([
        {
          executionId: 'e1',
          key: 'timer:1',
          kind: 'timer',
          dueAt: T0 + 500,
          priority: 0,
          payload: { effectId: 1 },
        },
      ]);
    });

    it('drops the work of an execution that reaches a final state', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      await addWork(store, 'e1', [ready(), timer(1, T0 + 50)]);
      await store.commit({
        now: T0,
        writes: [
          { executionId: 'e1', expectedNextSeq: 2, status: { state: 'cancelled', reason: 'user' } },
        ],
      });
      expect(await store.dueTimers(T0 + 100, 10)).toEqual([]);
      expect(await store.nextDueAt()).toBeUndefined();
    });

    it('hands the payload of an item to one claim: a claim after it (the lease lapsed) finds none', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      await addWork(store, 'e1', [{ ...ready(), payload: { unloaded: true } }]);
      const first = await store.claimWork({ worker: 'w1', now: T0, leaseMs: 100, limit: 5 });
      expect(first.map((w) => w.payload)).toEqual([{ unloaded: true }]);
      // w1 died: its lease lapses and w2 claims the item, without the mark w1 consumed
      const second = await store.claimWork({ worker: 'w2', now: T0 + 100, leaseMs: 100, limit: 5 });
      expect(second).toHaveLength(1);
      expect(second[0]!.claimedBy).toBe('w2');
      expect(second[0]!.payload).toBeUndefined();
      // a payload written again speaks to the next claim
      await addWork(store, 'e1', [{ ...ready(T0 + 100), payload: { request: 'cancel' } }]);
      const third = await store.claimWork({ worker: 'w3', now: T0 + 100, leaseMs: 100, limit: 5 });
      expect(third.map((w) => w.payload)).toEqual([{ request: 'cancel' }]);
    });

    it('releases only the work the named worker holds', async () => {
      const { store } = ctx();
      await seed(store, ['e1', 'e2']);
      await addWork(store, 'e1', [ready()]);
      await addWork(store, 'e2', [ready()]);
      await store.claimWork({ worker: 'w1', now: T0, leaseMs: 1000, limit: 1 });
      await store.claimWork({ worker: 'w2', now: T0, leaseMs: 1000, limit: 1 });
      const items = [
        { executionId: 'e1', key: 'ready' },
        { executionId: 'e2', key: 'ready' },
      ];
      expect(await store.releaseWork('w1', items)).toBe(1);
      const again = await store.claimWork({ worker: 'w3', now: T0 + 1, leaseMs: 1000, limit: 5 });
      expect(again.map((w) => w.executionId)).toEqual(['e1']);
    });

    it('accepts a fenced write from the worker that holds the work and removes it', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      await addWork(store, 'e1', [ready()]);
      await store.claimWork({ worker: 'w1', now: T0, leaseMs: 100, limit: 1 });
      await store.commit({
        now: T0,
        writes: [
          {
            executionId: 'e1',
            expectedNextSeq: 2,
            events: [taskStarted(0)],
            removeWork: ['ready'],
            lease: { worker: 'w1', keys: ['ready'] },
          },
        ],
      });
      expect(await store.nextDueAt()).toBeUndefined();
    });

    it('rejects a fenced write once another worker claimed the work, naming both', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      await addWork(store, 'e1', [ready()]);
      await store.claimWork({ worker: 'w1', now: T0, leaseMs: 100, limit: 1 });
      await store.claimWork({ worker: 'w2', now: T0 + 100, leaseMs: 100, limit: 1 });
      const attempt = store.commit({
        now: T0 + 150,
        writes: [
          {
            executionId: 'e1',
            expectedNextSeq: 2,
            events: [taskStarted(0)],
            lease: { worker: 'w1', keys: ['ready'] },
          },
        ],
      });
      await expect(attempt).rejects.toBeInstanceOf(LeaseLostError);
      await expect(attempt).rejects.toThrow(
        /worker w1 no longer holds work item ready \(worker w2/,
      );
      expect(await store.loadHistory('e1')).toHaveLength(1);
    });

    it('renews only the leases the worker holds', async () => {
      const { store } = ctx();
      await seed(store, ['e1', 'e2']);
      await addWork(store, 'e1', [ready()]);
      await addWork(store, 'e2', [ready()]);
      await store.claimWork({ worker: 'w1', now: T0, leaseMs: 100, limit: 1 });
      await store.claimWork({ worker: 'w2', now: T0, leaseMs: 100, limit: 1 });
      const items = [
        { executionId: 'e1', key: 'ready' },
        { executionId: 'e2', key: 'ready' },
      ];
      expect(await store.renewLease('w1', items, T0 + 1000)).toBe(1);
      const taken = await store.claimWork({ worker: 'w3', now: T0 + 500, leaseMs: 100, limit: 5 });
      expect(taken.map((w) => w.executionId)).toEqual(['e2']);
      expect(await store.nextDueAt()).toBe(T0 + 600);
    });

    it('counts recovery attempts and resets them with a commit', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      expect(await store.noteRecoveryAttempt('e1', T0)).toBe(1);
      expect(await store.noteRecoveryAttempt('e1', T0)).toBe(2);
      await store.commit({
        now: T0,
        writes: [
          { executionId: 'e1', expectedNextSeq: 2, events: [taskStarted(0)], recoveryAttempts: 0 },
        ],
      });
      expect((await store.getExecution('e1'))?.recoveryAttempts).toBe(0);
      await expect(store.noteRecoveryAttempt('ghost', T0)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('lists unfinished executions for recovery, paged by id', async () => {
      const { store } = ctx();
      await seed(store, ['a', 'b', 'c', 'd']);
      await store.commit({
        now: T0,
        writes: [
          {
            executionId: 'b',
            expectedNextSeq: 2,
            status: { state: 'faulted', error: { type: 'x', status: 500 } },
          },
          { executionId: 'c', expectedNextSeq: 2, status: { state: 'suspended' } },
        ],
      });
      const all = await store.unfinished();
      expect(all.map((e) => e.id).sort()).toEqual(['a', 'c', 'd']);
      const first = await store.unfinished({ limit: 1 });
      expect(first).toHaveLength(1);
      const rest = await store.unfinished({ after: 'a' });
      expect(rest.map((e) => e.id).sort()).toEqual(['c', 'd']);
    });
  });
}
