// A hand-back gives back only the claim given up (claims.ts giveBack). A worker that lets
// an execution go (a lapsed lease, a write whose outcome is unknown) releases its run
// item; meanwhile its own claim round may take the item again. Releasing that new claim
// left the execution driven here while any worker could claim it: a third claim relaunched
// the calls the second had just launched (a lapse test under CPU load, session 12).
// Each race below is forced into the order that went wrong, by holding one side back.
import { expect, it } from 'vitest';
import { systemClock } from '../../src/runtime/clock.js';
import { Claims } from '../../src/runtime/durable/claims.js';
import type { NewWorkItem, PostgresStore } from '../../src/store/index.js';
import { T0, seed } from '../store/fixtures.js';
import { admin, describePg, pgUnavailable, schemaPerTest } from '../store/pg-helpers.js';

const reason = await pgUnavailable();
const run = (claimedBy?: string): NewWorkItem => ({
  key: 'run',
  kind: 'ready',
  dueAt: T0,
  ...(claimedBy ? { claim: { worker: claimedBy, leaseUntil: T0 + 1 } } : {}),
});

describePg('giving a claim back', reason, () => {
  const db = schemaPerTest(reason);

  /** Execution e1 with its run item, unclaimed or held by a worker whose lease lapsed. */
  async function setUp(claimedBy?: string) {
    const store = await db.store();
    await seed(store, ['e1']);
    await store.commit({
      now: T0,
      writes: [{ executionId: 'e1', expectedNextSeq: 2, addWork: [run(claimedBy)] }],
    });
    const claims = new Claims(store, systemClock, { name: 'w1', leaseMs: 60_000 });
    db.keep({ close: () => claims.releaseAll() });
    return { store, claims };
  }

  const holder = async () =>
    (
      await admin<{ claimed_by: string | null; fence: string }>(
        `SELECT claimed_by, fence FROM "${db.schema}".work WHERE execution_id = 'e1'`,
      )
    )[0]!;

  /**
   * Holds back `method`'s call (`before`) or, the statement done, its result (`after`)
   * until `open()`; `reached` resolves when a call gets to the gate.
   */
  function holdBack(
    store: PostgresStore,
    method: 'claimFenced' | 'releaseWork',
    when: 'before' | 'after',
  ) {
    let open = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    let arrive = () => {};
    const reached = new Promise<void>((resolve) => (arrive = resolve));
    const real = (store[method] as (...a: unknown[]) => Promise<unknown>).bind(store);
    let calls = 0;
    (store as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      calls++;
      if (when === 'before') {
        arrive();
        await gate;
      }
      const result = await real(...args);
      if (when === 'after') {
        arrive();
        await gate;
      }
      return result;
    };
    return { open, reached, calls: () => calls };
  }

  it('gives nothing back that the claim round in flight took again', async () => {
    const { store, claims } = await setUp();
    const round = holdBack(store, 'claimFenced', 'after'); // claimed in the store, not told yet
    const claiming = claims.claim(10);
    await round.reached;
    expect((await holder()).claimed_by).toBe('w1');
    const released = holdBack(store, 'releaseWork', 'before');
    released.open();
    const givingBack = claims.giveBack('e1'); // as after a let-go of an earlier claim of e1
    round.open();
    const [items] = await Promise.all([claiming, givingBack]);
    expect(items.map((i) => i.executionId)).toEqual(['e1']);
    expect(released.calls()).toBe(0); // the round took e1: the claim it took stays
    expect(claims.holds('e1')).toBe(true);
    expect(await holder()).toMatchObject({ claimed_by: 'w1', fence: String(claims.fenceOf('e1')) });
  });

  it('runs a claim round only once the hand-back in flight has run', async () => {
    const { store, claims } = await setUp('w2'); // "w2" holds e1, its lease lapsed long ago
    const released = holdBack(store, 'releaseWork', 'before');
    const round = holdBack(store, 'claimFenced', 'before');
    round.open(); // counts the round's calls only
    const givingBack = claims.giveBack('e1');
    const claiming = claims.claim(10);
    await released.reached;
    expect(round.calls()).toBe(0); // the round waits for the hand-back
    expect((await holder()).claimed_by).toBe('w2');
    released.open();
    const [, items] = await Promise.all([givingBack, claiming]);
    expect(items.map((i) => i.executionId)).toEqual(['e1']);
    expect(await holder()).toMatchObject({ claimed_by: 'w1', fence: String(claims.fenceOf('e1')) });
  });

  it('releases, with a fence, only the claim that carries it', async () => {
    const { store } = await setUp();
    const [first] = await store.claimFenced({ worker: 'w1', now: T0, leaseMs: 1, limit: 1 });
    const [second] = await store.claimFenced({
      worker: 'w1',
      now: T0 + 5,
      leaseMs: 1000,
      limit: 1,
    });
    expect(second!.fence).toBeGreaterThan(first!.fence);
    const item = { executionId: 'e1', key: 'run' };
    expect(await store.releaseWork('w1', [{ ...item, fence: first!.fence }])).toBe(0);
    expect(await holder()).toMatchObject({ claimed_by: 'w1', fence: String(second!.fence) });
    expect(await store.releaseWork('w2', [{ ...item, fence: second!.fence }])).toBe(0);
    expect(await store.releaseWork('w1', [{ ...item, fence: second!.fence }])).toBe(1);
    expect((await holder()).claimed_by).toBeNull();
  });
});
