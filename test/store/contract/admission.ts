// Concurrency and rate limits at claim (docs/operations.md "Limits"): the same contract
// on both stores. postgres-limits.test.ts adds four concurrent claimers.
import { describe, expect, it } from 'vitest';
import {
  InvalidRequestError,
  LeaseLostError,
  type ExecutionStatus,
  type NewExecution,
  type NewWorkflow,
  type Store,
} from '../../../src/store/index.js';
import type { GetContext } from '../contract.js';
import { T0, newExecution, workflow } from '../fixtures.js';

const run = { key: 'run', kind: 'ready' as const, dueAt: T0 };

async function start(
  store: Store,
  wf: NewWorkflow,
  id: string,
  extra: Partial<NewExecution> & { time?: number } = {},
): Promise<void> {
  // the run item is due when the execution starts, as the engine adds it
  const work = [{ ...run, dueAt: extra.time ?? T0 }];
  await store.createExecution(newExecution(id, wf, { work, ...extra }));
}

async function claimIds(store: Store, worker: string, now = T0, limit = 10, leaseMs = 60_000) {
  const items = await store.claimWork({ worker, now, leaseMs, limit });
  return items.map((w) => w.executionId);
}

/** Commits a status as the worker holding `run` would. */
async function finish(store: Store, id: string, worker: string, status: ExecutionStatus, now = T0) {
  const { nextSeq } = (await store.getExecution(id))!;
  await store.commit({
    now,
    writes: [
      {
        executionId: id,
        expectedNextSeq: nextSeq,
        status,
        lease: { worker, keys: ['run'] },
        ...(status.state === 'parked' ? { removeWork: ['run'] } : {}),
      },
    ],
  });
}

/** Claims and completes one execution at a time; returns them in claim order. */
async function oneByOne(store: Store, now: number, count: number): Promise<string[]> {
  const order: string[] = [];
  for (let i = 0; i < count; i++) {
    const [id] = await claimIds(store, 'w1', now, 1);
    order.push(id!);
    await finish(store, id!, 'w1', { state: 'completed', output: null }, now);
  }
  return order;
}

const endings: [string, ExecutionStatus][] = [
  ['completed', { state: 'completed', output: null }],
  ['faulted', { state: 'faulted', error: { type: 'x', title: 'x', status: 500 } }],
  ['cancelled', { state: 'cancelled' }],
  ['parked', { state: 'parked', reason: 'dead-letter' }],
];

export function admissionContract(ctx: GetContext): void {
  describe('concurrency and rate limits', () => {
    const setup = async () => {
      const { store } = ctx();
      const wf = workflow();
      await store.putWorkflow(wf);
      return { store, wf };
    };

    it('admits no more executions of a key than its limit, and others freely', async () => {
      const { store, wf } = await setup();
      const k = [{ key: 'k', limit: 2 }];
      for (const id of ['k1', 'k2', 'k3', 'k4']) await start(store, wf, id, { concurrency: k });
      await start(store, wf, 'free');
      expect(await claimIds(store, 'w1')).toEqual(['k1', 'k2', 'free']);
      expect(await claimIds(store, 'w2')).toEqual([]);
    });

    it('reports an execution as awaiting admission until a claim admits it', async () => {
      const { store, wf } = await setup();
      const limited = (id: string) =>
        newExecution(id, wf, {
          work: [run],
          input: { n: 1 },
          idempotencyKey: 'lim-key',
          concurrency: [{ key: 'k', limit: 1 }],
          rate: [{ key: 'r', limit: 5, periodMs: 60_000 }],
        });
      const created = await store.createExecution(limited('lim'));
      expect(created.execution.awaitingAdmission).toBe(true);
      expect((await store.getExecution('lim'))?.awaitingAdmission).toBe(true);
      await start(store, wf, 'free');
      expect(await store.getExecution('free')).not.toHaveProperty('awaitingAdmission');
      expect(await claimIds(store, 'w1')).toEqual(['lim', 'free']);
      expect(await store.getExecution('lim')).not.toHaveProperty('awaitingAdmission');
      // a repeated start with its key answers with the stored record, admitted now
      const again = await store.createExecution(limited('lim-2'));
      expect(again.created).toBe(false);
      expect(again.execution.id).toBe('lim');
      expect(again.execution).not.toHaveProperty('awaitingAdmission');
    });

    it('passes over a full key without holding up other keys behind it', async () => {
      const { store, wf } = await setup();
      const a = [{ key: 'a', limit: 1 }];
      for (const id of ['a1', 'a2', 'a3']) await start(store, wf, id, { concurrency: a });
      await start(store, wf, 'b1', { concurrency: [{ key: 'b', limit: 1 }] });
      expect(await claimIds(store, 'w1', T0, 1)).toEqual(['a1']);
      expect(await claimIds(store, 'w1', T0, 1)).toEqual(['b1']);
      expect(await claimIds(store, 'w1', T0, 1)).toEqual([]);
    });

    it('needs room in every key of an execution', async () => {
      const { store, wf } = await setup();
      await start(store, wf, 'x', { concurrency: [{ key: 'ns:a', limit: 1 }] });
      await start(store, wf, 'y', {
        concurrency: [
          { key: 'ns:a', limit: 1 },
          { key: 'wf:b', limit: 5 },
        ],
      });
      await start(store, wf, 'z', { concurrency: [{ key: 'wf:b', limit: 5 }] });
      expect(await claimIds(store, 'w1')).toEqual(['x', 'z']);
    });

    for (const [name, status] of endings) {
      it(`gives the slot back when the execution is ${name}`, async () => {
        const { store, wf } = await setup();
        const k = [{ key: 'k', limit: 1 }];
        for (const id of ['k1', 'k2']) await start(store, wf, id, { concurrency: k });
        expect(await claimIds(store, 'w1')).toEqual(['k1']);
        expect(await claimIds(store, 'w2')).toEqual([]);
        await finish(store, 'k1', 'w1', status);
        expect(await claimIds(store, 'w2')).toEqual(['k2']);
      });
    }

    it('keeps the slot while the execution is suspended, and frees nothing on a lost lease', async () => {
      const { store, wf } = await setup();
      const k = [{ key: 'k', limit: 1 }];
      for (const id of ['k1', 'k2']) await start(store, wf, id, { concurrency: k });
      expect(await claimIds(store, 'w1')).toEqual(['k1']);
      await finish(store, 'k1', 'w1', { state: 'suspended' });
      expect(await claimIds(store, 'w2')).toEqual([]);
      // w1's lease lapsed and w2 took k1: w1's commit is refused and k2 still waits.
      expect(await claimIds(store, 'w2', T0 + 60_000)).toEqual(['k1']);
      await expect(
        finish(store, 'k1', 'w1', { state: 'completed', output: 1 }),
      ).rejects.toBeInstanceOf(LeaseLostError);
      expect(await claimIds(store, 'w3', T0 + 60_000)).toEqual([]);
    });

    it('re-claims an admitted execution after its lease lapsed without a new slot', async () => {
      const { store, wf } = await setup();
      const k = [{ key: 'k', limit: 1 }];
      for (const id of ['k1', 'k2']) await start(store, wf, id, { concurrency: k });
      expect(await claimIds(store, 'w1', T0, 10, 100)).toEqual(['k1']);
      expect(await claimIds(store, 'w2', T0 + 100, 10, 100)).toEqual(['k1']);
      expect(await claimIds(store, 'w3', T0 + 200, 10, 100)).toEqual(['k1']);
      await finish(store, 'k1', 'w3', { state: 'completed', output: null }, T0 + 250);
      expect(await claimIds(store, 'w3', T0 + 250, 10, 100)).toEqual(['k2']);
    });

    it('admits a parked execution again, taking a slot, when it gets work again', async () => {
      const { store, wf } = await setup();
      const k = [{ key: 'k', limit: 1 }];
      for (const id of ['k1', 'k2']) await start(store, wf, id, { concurrency: k });
      expect(await claimIds(store, 'w1')).toEqual(['k1']);
      await finish(store, 'k1', 'w1', { state: 'parked', reason: 'determinism' });
      expect(await claimIds(store, 'w1')).toEqual(['k2']);
      const { nextSeq } = (await store.getExecution('k1'))!;
      await store.commit({
        now: T0,
        writes: [
          {
            executionId: 'k1',
            expectedNextSeq: nextSeq,
            status: { state: 'running' },
            addWork: [run],
          },
        ],
      });
      expect(await claimIds(store, 'w1')).toEqual([]);
      await finish(store, 'k2', 'w1', { state: 'completed', output: null });
      expect(await claimIds(store, 'w1')).toEqual(['k1']);
    });

    it('admits at most `limit` executions of a rate key per period', async () => {
      const { store, wf } = await setup();
      const r = [{ key: 'r', limit: 2, periodMs: 1000 }];
      for (const id of ['r1', 'r2', 'r3', 'r4', 'r5']) await start(store, wf, id, { rate: r });
      expect(await claimIds(store, 'w1', T0)).toEqual(['r1', 'r2']);
      // Finishing does not give a rate admission back: it counts for the whole period.
      await finish(store, 'r1', 'w1', { state: 'completed', output: null });
      expect(await claimIds(store, 'w1', T0 + 999)).toEqual([]);
      expect(await claimIds(store, 'w1', T0 + 1000)).toEqual(['r3', 'r4']);
      expect(await claimIds(store, 'w1', T0 + 1500)).toEqual([]);
      expect(await claimIds(store, 'w1', T0 + 2000)).toEqual(['r5']);
    });

    it('orders admissions by priority, then creation, within a key', async () => {
      const { store, wf } = await setup();
      const k = [{ key: 'k', limit: 1 }];
      await start(store, wf, 'low', { concurrency: k, time: T0 });
      await start(store, wf, 'high', { concurrency: k, priority: 5, time: T0 + 1 });
      await start(store, wf, 'low2', { concurrency: k, time: T0 + 2 });
      expect(await oneByOne(store, T0 + 10, 3)).toEqual(['high', 'low', 'low2']);
    });

    it('lets low priority progress while high priority waits for its full key', async () => {
      const { store, wf } = await setup();
      const hot = [{ key: 'hot', limit: 1 }];
      for (const id of ['h1', 'h2', 'h3']) {
        await start(store, wf, id, { concurrency: hot, priority: 10 });
      }
      await start(store, wf, 'low', { priority: -5 });
      expect(await claimIds(store, 'w1', T0, 1)).toEqual(['h1']);
      expect(await claimIds(store, 'w1', T0, 1)).toEqual(['low']);
    });

    it('ages waiting work: 60 s of waiting is worth one priority level', async () => {
      const { store, wf } = await setup();
      const k = [{ key: 'k', limit: 1 }];
      await start(store, wf, 'low', { concurrency: k, time: T0 });
      // two levels higher, due 2 minutes later, less 1 ms: still first; plus 1 ms: after
      await start(store, wf, 'high-late', { concurrency: k, priority: 2, time: T0 + 120_001 });
      await start(store, wf, 'high-early', { concurrency: k, priority: 2, time: T0 + 119_999 });
      expect(await oneByOne(store, T0 + 200_000, 3)).toEqual(['high-early', 'low', 'high-late']);
    });

    it('rejects malformed limits, naming the execution and the entry', async () => {
      const { store, wf } = await setup();
      const bad: [Partial<NewExecution>, RegExp][] = [
        [
          { concurrency: [{ key: '', limit: 1 }] },
          /execution bad: concurrency\[0\]: key must be a non-empty string/,
        ],
        [
          { concurrency: [{ key: 'k', limit: 0 }] },
          /concurrency\[0\] \(k\): limit must be a positive integer/,
        ],
        [
          {
            concurrency: [
              { key: 'k', limit: 1 },
              { key: 'k', limit: 2 },
            ],
          },
          /concurrency\[1\]: key k appears twice/,
        ],
        [
          { rate: [{ key: 'r', limit: 1, periodMs: 0 }] },
          /rate\[0\] \(r\): periodMs must be a positive integer/,
        ],
      ];
      for (const [extra, message] of bad) {
        const error = await store
          .createExecution(newExecution('bad', wf, extra))
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidRequestError);
        expect((error as Error).message).toMatch(message);
      }
      expect(await store.getExecution('bad')).toBeUndefined();
    });
  });
}
