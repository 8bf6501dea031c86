// Stored events on PostgreSQL: a listen reached after its event still gets it, and an
// event published by one engine reaches a listen waiting on another engine with its own
// store connection (as two processes would: the NOTIFY of the append wakes its tail).
import { beforeEach, expect, it } from 'vitest';
import type { DurableEngine } from '../../src/runtime/durable/engine.js';
import type { PostgresStore } from '../../src/store/index.js';
import { describePg, pgUnavailable, schemaPerTest } from '../store/pg-helpers.js';
import {
  approved,
  emitter,
  gate,
  gatedListen,
  gatedLoop,
  plainListen,
  receivedIds,
  until,
} from './events-helpers.js';
import { engineOn } from './helpers.js';

const unavailable = await pgUnavailable();
const pg = schemaPerTest(unavailable);
/** The stores of the test, in the order it opened them. */
let stores: PostgresStore[] = [];

/** An engine on its own store (own pool and LISTEN connection) on the test schema. */
async function engine(options: Parameters<typeof engineOn>[1] = {}): Promise<DurableEngine> {
  const store = await pg.store();
  stores.push(store);
  return pg.keep(engineOn(store, options));
}

describePg('stored events (PostgreSQL)', unavailable, () => {
  beforeEach(() => {
    stores = [];
  });

  it('completes a listen with an event sent before the listen was reached', async () => {
    const a = await engine();
    const g = gate(a);
    await a.register(gatedListen);
    const h = await a.start({ namespace: 'test', name: 'gated' });
    await until(() => g.calls === 1, 'the gate');
    await a.publish(approved('early'));
    g.open();
    expect(await h.result()).toEqual([{ id: 'early' }]);
  });

  it('gives two listens of a loop two different stored events', async () => {
    const a = await engine();
    const g = gate(a);
    await a.register(gatedLoop);
    const h = await a.start({ namespace: 'test', name: 'looped' });
    await until(() => g.calls === 1, 'the gate');
    await a.publish([approved('first'), approved('second')]);
    g.open();
    await h.result();
    expect(await receivedIds(a, h.id)).toEqual(['first', 'second']);
  });

  it('delivers an event published on engine A to a listen waiting on engine B (NOTIFY, no polling)', async () => {
    // B polls once a minute: only the NOTIFY of A's append can wake it within the wait
    const a = await engine();
    const b = await engine({ eventPollMs: 60_000 });
    await b.register(plainListen);
    const h = await b.start({ namespace: 'test', name: 'plain' });
    await until(
      async () => (await b.history(h.id)).some((r) => r.event.type === 'ListenStarted'),
      'the listen',
    );
    const arrived: string[] = [];
    b.on('event:arrived', ({ event }) => arrived.push(event.id));
    await a.publish(approved('cross'));
    expect(await h.result()).toEqual([{ id: 'cross' }]);
    expect(arrived).toEqual(['cross']);
  });

  it('completes a listen on engine B with an event published on A before B reached it', async () => {
    const a = await engine();
    const b = await engine();
    const g = gate(b);
    await b.register(gatedListen);
    const h = await b.start({ namespace: 'test', name: 'gated' });
    await until(() => g.calls === 1, 'the gate');
    await a.publish(approved('early-cross'));
    g.open();
    expect(await h.result()).toEqual([{ id: 'early-cross' }]);
  });

  it('delivers an event emitted by a workflow on engine A to a listen waiting on engine B', async () => {
    const a = await engine();
    const b = await engine();
    await b.register(plainListen);
    await a.register(emitter);
    const h = await b.start({ namespace: 'test', name: 'plain' });
    await until(
      async () => (await b.history(h.id)).some((r) => r.event.type === 'ListenStarted'),
      'the listen',
    );
    await (await a.start({ namespace: 'test', name: 'emitter' })).result();
    expect(await h.result()).toEqual([{ by: 'emit' }]);
  });

  it('stores a duplicate (source, id) from two engines once', async () => {
    const a = await engine();
    const b = await engine();
    const [x] = await a.publish(approved('dup', { data: 1 }));
    const [y] = await b.publish(approved('dup', { data: 2 }));
    expect(y).toEqual(x);
    expect((await stores[0]!.readEvents()).map((e) => e.event.data)).toEqual([1]);
  });
});
