// Limits across worker processes (issue 6): four real `weft worker`-like processes serve
// one PostgreSQL schema; a client starts executions of a workflow with a concurrency limit
// per customer, one for the whole workflow, and a rate limit. A sampler reads the running
// executions per key from the store throughout; the admissions' recorded times are checked
// against the rate window. No assertion reads the wall clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DurableEngine } from '../../src/runtime/durable/engine.js';
import type { PostgresStore } from '../../src/store/index.js';
import {
  admin,
  describePg,
  dropSchema,
  freshSchema,
  openTestStore,
  pgUnavailable,
} from '../store/pg-helpers.js';
import { tick } from './helpers.js';
import {
  type WorkerProcess,
  clientEngine,
  startWorker,
  stopWorker,
} from './fixtures/pg-workers.js';

const reason = await pgUnavailable();

const limited = JSON.stringify({
  document: { dsl: '1.0.0', namespace: 'test', name: 'limited', version: '1.0.0' },
  limits: {
    concurrency: [{ limit: 5 }, { key: '${ .customer }', limit: 2 }],
    rate: [{ key: '${ .customer }', limit: 4, period: { milliseconds: 1000 } }],
  },
  do: [
    { pause: { wait: { milliseconds: 150 } } },
    { mark: { call: 'mark', with: { n: '${ .n }' } } },
  ],
});

describePg('limits across four worker processes', reason, () => {
  describe('limits across four worker processes', () => {
    const schema = freshSchema();
    let store: PostgresStore;
    let client: DurableEngine;
    const workers: WorkerProcess[] = [];

    beforeAll(async () => {
      store = await openTestStore(schema);
      client = clientEngine(store);
      await client.register(limited);
    });

    afterAll(async () => {
      await Promise.all(workers.map(stopWorker));
      await client.close();
      await store.close();
      await dropSchema(schema);
    });

    it('never runs more than the limits allow, per key and per workflow, and keeps the rate', async () => {
      for (let i = 0; i < 4; i++) workers.push(startWorker(schema, `limits-${i}`, 5000));
      await Promise.all(workers.map((w) => w.ready));
      const customers = ['acme', 'globex', 'initech'];
      const handles = await Promise.all(
        Array.from({ length: 36 }, (_, n) =>
          client.start({ namespace: 'test', name: 'limited' }, { n, customer: customers[n % 3]! }),
        ),
      );
      let done = false;
      const all = Promise.all(handles.map((h) => h.result())).finally(() => (done = true));
      const peaks = new Map<string, number>();
      let samples = 0;
      while (!done) {
        const rows = await admin<{ key: string; n: string }>(
          `SELECT key, count(*) AS n FROM "${schema}".limit_slots
           WHERE kind = 'concurrency' AND held GROUP BY key`,
        );
        for (const r of rows) peaks.set(r.key, Math.max(peaks.get(r.key) ?? 0, Number(r.n)));
        samples++;
        await tick(10);
      }
      const outputs = (await all) as { n: number }[];
      expect(outputs.map((o) => o.n)).toEqual(Array.from({ length: 36 }, (_, n) => n));
      expect(samples).toBeGreaterThan(5);
      // every key's running count stayed within its limit, and the limits did bind
      const perCustomer = [...peaks].filter(([k]) => k.startsWith('wf:test/limited:'));
      expect(perCustomer).toHaveLength(3);
      for (const [, peak] of perCustomer) expect(peak).toBeLessThanOrEqual(2);
      expect(peaks.get('wf:test/limited')).toBeLessThanOrEqual(5);
      expect(Math.max(...peaks.values())).toBeGreaterThanOrEqual(2);
      // rate: at most 4 admissions per customer in any 1,000 ms window of admitted_at
      const admitted = await admin<{ key: string; at: string }>(
        `SELECT key, admitted_at AS at FROM "${schema}".limit_slots
         WHERE kind = 'rate' AND admitted_at IS NOT NULL ORDER BY key, admitted_at`,
      );
      const byKey = new Map<string, number[]>();
      for (const r of admitted) byKey.set(r.key, [...(byKey.get(r.key) ?? []), Number(r.at)]);
      expect(byKey.size).toBe(3);
      for (const times of byKey.values()) {
        expect(times).toHaveLength(12);
        for (let i = 4; i < times.length; i++)
          expect(times[i]! - times[i - 4]!).toBeGreaterThanOrEqual(1000);
      }
      // each effect ran once, all of them in the worker processes
      for (const h of handles) {
        const types = (await client.history(h.id)).map((r) => r.event.type);
        expect(types.filter((t) => t === 'TaskCompleted')).toHaveLength(1);
      }
    }, 180_000);
  });
});
