// A worker launches no call under a lease it cannot vouch for. Here the step that records
// TaskStarted of call `b` commits under a valid claim, and then, before the runner
// launches `b`, the worker's clock passes the lease's end with no renewal (a process
// starved or paused past its lease; renewals come every 20 s here). In a chaos run such a
// worker's call reached the service after another worker had run the same effect and
// recorded its result (docs/guarantees.md). The worker first renews the lease: when it
// still holds the execution it launches as usual; when another worker took it meanwhile
// it lets the execution go (no launch under the old claim, the run item handed back where
// it holds it), and the next claim relaunches `b` from the history, once.
import { expect, it } from 'vitest';
import { systemClock, type Clock } from '../../src/runtime/clock.js';
import { DurableEngine } from '../../src/runtime/durable/engine.js';
import type { HistoryEvent } from '../../src/history/events.js';
import { admin, describePg, pgUnavailable, schemaPerTest, until } from '../store/pg-helpers.js';
import { doc } from './helpers.js';

const reason = await pgUnavailable();

describePg('a lapsed lease', reason, () => {
  const db = schemaPerTest(reason);

  async function run(options: {
    skewMs: number;
    /** Another worker ("w2", gone since) claims the execution while this one is late. */
    stolen: boolean;
    /** The history read for the claim that takes the execution back is late too. */
    lateReload?: boolean;
    /** The lapse comes after the step that records this (default: TaskStarted of `b`). */
    at?: (e: HistoryEvent) => boolean;
    /** The workflows to register; the last is started (default: a, then b). */
    docs?: string[];
    pollMs?: number;
  }) {
    const store = await db.store();
    // the worker's clock; the test moves it on at the chosen moment
    let offset = 0;
    let late = false;
    let lateAgain = false;
    const lapse = () => {
      offset += options.skewMs;
      late = options.stolen;
    };
    // While "w2" holds the item, w1's claim rounds wait until w1 has let the execution go:
    // the case is the let-go, not a claim round that takes the item back first (which
    // drops the late runner too, and under CPU load came first, session 12).
    let afterLetGo: Promise<void> | undefined;
    let letGone = () => {};
    const claimFenced = store.claimFenced.bind(store);
    store.claimFenced = async (request) => {
      await afterLetGo;
      return claimFenced(request);
    };
    // the worker's renewal, asked because the lease looks lapsed, finds what the test set
    const renew = store.renewLease.bind(store);
    let renewals = 0;
    store.renewLease = async (worker, items, leaseUntil) => {
      renewals++;
      if (late) {
        late = false;
        afterLetGo = new Promise((resolve) => (letGone = resolve));
        await admin(
          `UPDATE "${db.schema}".work SET claimed_by = 'w2', lease_until = 1, available_at = 1
           WHERE execution_id = $1 AND key = 'run'`,
          [items[0]!.executionId],
        );
      }
      return renew(worker, items, leaseUntil);
    };
    const load = store.loadHistory.bind(store);
    store.loadHistory = async (...args) => {
      const history = await load(...args);
      if (lateAgain) {
        lateAgain = false;
        lapse();
      }
      return history;
    };
    const clock: Clock = { now: () => Date.now() + offset, schedule: systemClock.schedule };
    const engine = db.keep(
      new DurableEngine({
        store,
        env: {},
        clock,
        worker: { name: 'w1', leaseMs: 60_000, pollMs: options.pollMs ?? 50 },
      }),
    );
    const fenceOf = async (id: string) =>
      Number(
        (
          await admin<{ fence: string }>(
            `SELECT fence FROM "${db.schema}".work WHERE execution_id = $1 AND key = 'run'`,
            [id],
          )
        )[0]!.fence,
      );
    const bFences: number[] = [];
    let id = '';
    let aFence = 0;
    engine.registerFunction('a', async () => {
      aFence = await fenceOf(id);
      return { a: 1 };
    });
    engine.registerFunction('b', async () => {
      bFences.push(await fenceOf(id));
      return { b: 2 };
    });
    let lapsed = false;
    engine.on('history:appended', ({ events }) => {
      const at = options.at ?? ((e) => e.type === 'TaskStarted' && e.taskId.endsWith('/b'));
      if (lapsed || !events.some(at)) return;
      lapsed = true; // once: right after the commit, before the launch
      lapse();
      lateAgain = options.lateReload === true;
    });
    const lost: string[] = [];
    engine.on('execution:lost', ({ reason: why }) => {
      lost.push(why);
      letGone();
    });
    const docs = options.docs ?? [doc('lapse', [{ a: { call: 'a' } }, { b: { call: 'b' } }])];
    let ref;
    for (const d of docs) [ref] = await engine.register(d);
    await engine.serve();
    const handle = await engine.start(ref!, {});
    id = handle.id;
    return { engine, handle, lost, bFences, firstFence: () => aFence, renewals: () => renewals };
  }

  it('renews a lease that looks lapsed and launches when it still holds the execution', async () => {
    const r = await run({ skewMs: 61_000, stolen: false });
    expect(await r.handle.result()).toEqual({ b: 2 });
    expect(r.lost).toEqual([]);
    expect(r.bFences).toEqual([r.firstFence()]);
    expect(r.renewals()).toBe(1); // the one the late launch asked for
  });

  it('launches no call once another worker took it: the next claim runs the call once', async () => {
    const r = await run({ skewMs: 61_000, stolen: true });
    expect(await r.handle.result()).toEqual({ b: 2 });
    expect(r.lost).toHaveLength(1);
    expect(r.lost[0]).toMatch(/^LeaseLapsedError: execution \S+: this worker's lease/);
    // `b` ran once, and not under the claim that lapsed: under the one that took it back
    expect(r.bFences).toHaveLength(1);
    expect(r.bFences[0]).toBeGreaterThan(r.firstFence());
    const types = (await r.engine.history(r.handle.id)).map((x) => x.event.type);
    expect(types.filter((t) => t === 'TaskStarted')).toHaveLength(2); // a, b
    expect(types.filter((t) => t === 'TaskCompleted')).toHaveLength(2);
  });

  it('relaunches no call from a history read past the lease either', async () => {
    const r = await run({ skewMs: 61_000, stolen: true, lateReload: true });
    expect(await r.handle.result()).toEqual({ b: 2 });
    expect(r.lost).toHaveLength(2);
    expect(r.lost.every((why) => why.startsWith('LeaseLapsedError'))).toBe(true);
    expect(r.bFences).toHaveLength(1);
    expect(r.bFences[0]).toBeGreaterThan(r.firstFence() + 1); // two claims since `a`
    const types = (await r.engine.history(r.handle.id)).map((x) => x.event.type);
    expect(types.filter((t) => t === 'TaskStarted')).toHaveLength(2);
  });

  it('lets go of the children its last step created, which came claimed by it', async () => {
    const r = await run({
      // past the parent's lease less its margin (2 s), short of the child's lease: only a
      // hand-back makes the child claimable
      skewMs: 59_000,
      stolen: true,
      at: (e) => e.type === 'ChildStarted',
      docs: [
        doc('kid', [{ b: { call: 'b' } }]),
        doc('lapse', [
          { a: { call: 'a' } },
          { kid: { run: { workflow: { namespace: 'test', name: 'kid', version: '1.0.0' } } } },
        ]),
      ],
      // no claim rounds but those a released item wakes (NOTIFY): a child whose claim
      // stayed with the lapsed worker would wait here for a minute
      pollMs: 60_000,
    });
    const states = () =>
      admin<{ state: string }>(`SELECT state FROM "${db.schema}".executions ORDER BY id`);
    await until(
      async () => (await states()).every((x) => x.state === 'completed'),
      'the parent and its child to complete',
    );
    expect(await states()).toHaveLength(2);
    expect(r.lost).toHaveLength(1);
    expect(r.bFences).toHaveLength(1);
    const parent = await r.engine.history(r.handle.id);
    expect(parent.at(-1)?.event).toMatchObject({ type: 'ExecutionCompleted', output: { b: 2 } });
  });

  it('launches as usual while the lease lasts', async () => {
    const r = await run({ skewMs: 30_000, stolen: true }); // half the lease: still vouched for
    expect(await r.handle.result()).toEqual({ b: 2 });
    expect(r.lost).toEqual([]);
    expect(r.bFences).toEqual([r.firstFence()]);
    expect(r.renewals()).toBe(0);
  });
});
