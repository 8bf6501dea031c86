// Several workers on one PostgreSQL store (issue 6): executions are spread over the
// workers that serve the store, a worker paused past its lease (SIGSTOP) loses its
// executions to another worker and its late writes are refused, and cancel reaches an
// execution that another process drives. Worker processes are real (fixtures/pg-worker.ts).
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
import { doc, tick } from './helpers.js';
import {
  type WorkerProcess,
  clientEngine,
  startWorker,
  stopWorker as stop,
} from './fixtures/pg-workers.js';

const reason = await pgUnavailable();

async function until(check: () => Promise<boolean>, what: string, tries = 1800): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await tick(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const markedAfter = (name: string, ms: number) =>
  doc(name, [
    { pause: { wait: { milliseconds: ms } } },
    { mark: { call: 'mark', with: { n: '${ .n }' } } },
  ]);
const marked = markedAfter('marked', 400);

describePg('several workers on PostgreSQL', reason, () => {
  describe('several workers on PostgreSQL', () => {
    const schema = freshSchema();
    let store: PostgresStore;
    let client: DurableEngine;
    const workers: WorkerProcess[] = [];

    beforeAll(async () => {
      store = await openTestStore(schema);
      // the client only starts executions: the workers claim and drive them
      client = clientEngine(store);
      await client.register(marked);
    });

    afterAll(async () => {
      await Promise.all(workers.map(stop));
      await client.close();
      await store.close();
      await dropSchema(schema);
    });

    const heldBy = async (name: string) =>
      Number(
        (
          await admin<{ n: string }>(
            `SELECT count(*) AS n FROM "${schema}".work WHERE key = 'run' AND claimed_by = $1`,
            [name],
          )
        )[0]!.n,
      );

    it('spreads executions over the workers serving the store; each effect runs once', async () => {
      const a = startWorker(schema, 'spread-a', 5000);
      const b = startWorker(schema, 'spread-b', 5000);
      workers.push(a, b);
      await Promise.all([a.ready, b.ready]);
      const handles = await Promise.all(
        Array.from({ length: 40 }, (_, n) =>
          client.start({ namespace: 'test', name: 'marked' }, { n }),
        ),
      );
      const outputs = (await Promise.all(handles.map((h) => h.result()))) as {
        n: number;
        by: string;
      }[];
      expect(outputs.map((o) => o.n)).toEqual(Array.from({ length: 40 }, (_, n) => n));
      const effects = [...a.lines, ...b.lines].filter((l) => 'effect' in l);
      expect(effects).toHaveLength(40);
      expect(new Set(effects.map((l) => l.effect)).size).toBe(40);
      // both served: claims are spread (each claim round takes what is due at that moment)
      const byWorker = new Set(outputs.map((o) => o.by));
      expect(byWorker.size).toBeGreaterThanOrEqual(1);
      expect([...byWorker].every((w) => w === 'spread-a' || w === 'spread-b')).toBe(true);
      await Promise.all([stop(a), stop(b)]);
    }, 240_000);

    it('takes over the executions of a worker paused past its lease and refuses its late writes', async () => {
      // long enough that a loaded machine claims all ten and records their timers first
      await client.register(markedAfter('marked-later', 12_000));
      const slow = startWorker(schema, 'paused', 1000);
      workers.push(slow);
      await slow.ready;
      const handles = await Promise.all(
        Array.from({ length: 10 }, (_, n) =>
          client.start({ namespace: 'test', name: 'marked-later' }, { n: 100 + n }),
        ),
      );
      // all ten held by the worker and waiting in `pause` (their timers recorded: a worker
      // stopped before its first step would find them finished on waking and write nothing)
      await until(async () => (await heldBy('paused')) === 10, 'the paused worker to claim all');
      await until(async () => {
        const hs = await Promise.all(handles.map((h) => client.history(h.id)));
        return hs.every((h) => h.some((r) => r.event.type === 'TimerStarted'));
      }, 'the paused worker to start the timers');
      slow.child.kill('SIGSTOP');
      const next = startWorker(schema, 'taker', 1000);
      workers.push(next);
      await next.ready;
      const outputs = (await Promise.all(handles.map((h) => h.result()))) as { by: string }[];
      expect(outputs.every((o) => o.by === 'taker')).toBe(true);
      expect(await heldBy('paused')).toBe(0);
      // the paused worker wakes: its timers are due, its steps are refused, nothing runs
      slow.child.kill('SIGCONT');
      await until(
        async () => slow.lines.filter((l) => 'lost' in l).length >= 10,
        'the paused worker to report its refused writes',
      );
      const lost = slow.lines.filter((l) => 'lost' in l);
      expect(new Set(lost.map((l) => l.lost)).size).toBe(10);
      // Refused by the fence (LeaseLostError), or, for a commit the pause caught inside its
      // transaction, ended by PostgreSQL's idle_in_transaction_session_timeout before its
      // COMMIT arrived (StoreBusyError: the client cannot tell, nothing was written).
      const reasons = lost.map((l) => String(l.reason).split(':')[0]);
      expect(reasons.filter((r) => r !== 'LeaseLostError' && r !== 'StoreBusyError')).toEqual([]);
      expect(reasons).toContain('LeaseLostError');
      expect(slow.lines.filter((l) => 'effect' in l)).toHaveLength(0);
      for (const h of handles) {
        const types = (await client.history(h.id)).map((r) => r.event.type);
        expect(types.filter((t) => t === 'TaskCompleted')).toHaveLength(1);
      }
      await Promise.all([stop(slow), stop(next)]);
    }, 240_000);

    it('cancels an execution that another process drives', async () => {
      await client.register(
        doc('sleeper', [{ sleep: { wait: { hours: 1 } } }, { after: { set: { done: true } } }]),
      );
      const w = startWorker(schema, 'sleeper-host', 5000);
      workers.push(w);
      await w.ready;
      const h = await client.start({ namespace: 'test', name: 'sleeper' }, {});
      await until(async () => (await heldBy('sleeper-host')) === 1, 'the worker to claim it');
      await client.cancel(h.id, 'not needed');
      const outcome = await h.outcome;
      expect(outcome).toEqual({ status: 'cancelled', reason: 'not needed' });
      const record = await client.get(h.id);
      expect(record?.status.state).toBe('cancelled');
      await stop(w);
    }, 240_000);
  });
});
