// Stored events on the SQLite file store: an event sent before its listen is reached
// completes it (within the retention), a loop of listens takes different events, the
// same (source, id) is stored once, and every engine on the store delivers each event.
import { afterEach, describe, expect, it } from 'vitest';
import type { DurableEngine } from '../../src/runtime/durable/engine.js';
import type { Store } from '../../src/store/types.js';
import {
  T0,
  approved,
  emitter,
  gate,
  gatedListen,
  gatedLoop,
  plainListen,
  receivedIds,
  settableClock,
  until,
} from './events-helpers.js';
import { type Home, engineOn, tempHome } from './helpers.js';

let home: Home;
let store: Store;
const engines: DurableEngine[] = [];

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  await store?.close();
  home?.remove();
});

function setup(options: Parameters<typeof engineOn>[1] = {}) {
  home = tempHome('weft-events-');
  store = home.open();
  const engine = engineOn(store, options);
  engines.push(engine);
  return engine;
}

describe('stored events (SQLite file)', () => {
  it('completes a listen with an event sent before the listen was reached', async () => {
    const engine = setup();
    const g = gate(engine);
    await engine.register(gatedListen);
    const h = await engine.start({ namespace: 'test', name: 'gated' });
    await until(() => g.calls === 1, 'the gate');
    const [stored] = await engine.publish(approved('early'));
    expect((await store.readEvents()).map((e) => e.seq)).toEqual([stored!.seq]); // durable
    g.open();
    expect(await h.result()).toEqual([{ id: 'early' }]);
    expect(await receivedIds(engine, h.id)).toEqual(['early']);
  });

  it('does not complete it with an event older than the retention, which is pruned', async () => {
    const clock = settableClock();
    const engine = setup({ clock, eventRetentionMs: 60_000 });
    const g = gate(engine);
    await engine.register(gatedListen);
    const h = await engine.start({ namespace: 'test', name: 'gated' });
    await until(() => g.calls === 1, 'the gate');
    clock.t = T0 + 10;
    await engine.publish(approved('stale'));
    clock.t = T0 + 10 + 60_001; // the stale event is past the retention now
    g.open();
    await until(
      async () => (await engine.history(h.id)).some((r) => r.event.type === 'ListenStarted'),
      'the listen',
    );
    await engine.publish(approved('fresh'));
    // a look back that wrongly took 'stale' would have delivered it first (lower seq)
    expect(await h.result()).toEqual([{ id: 'fresh' }]);
    expect(await receivedIds(engine, h.id)).toEqual(['fresh']);
    expect(await engine.pruneEvents()).toBe(1);
    expect((await store.readEvents()).map((e) => e.event.id)).toEqual(['fresh']);
  });

  it('does not give a listen an event stored before its execution started', async () => {
    const clock = settableClock();
    const engine = setup({ clock });
    await engine.register(plainListen);
    await engine.publish(approved('before-start'));
    clock.t = T0 + 1;
    const h = await engine.start({ namespace: 'test', name: 'plain' });
    await until(
      async () => (await engine.history(h.id)).some((r) => r.event.type === 'ListenStarted'),
      'the listen',
    );
    await engine.publish(approved('after-start'));
    expect(await h.result()).toEqual([{ id: 'after-start' }]);
  });

  it('gives two listens of a loop two different stored events, not one twice', async () => {
    const engine = setup();
    const g = gate(engine);
    await engine.register(gatedLoop);
    const h = await engine.start({ namespace: 'test', name: 'looped' });
    await until(() => g.calls === 1, 'the gate');
    await engine.publish([approved('first'), approved('second')]);
    g.open();
    await h.result();
    expect(await receivedIds(engine, h.id)).toEqual(['first', 'second']);
    expect((await engine.get(h.id))?.status.state).toBe('completed');
  });

  it('delivers one stored event to every execution that waits for it (broadcast)', async () => {
    const engine = setup();
    const g = gate(engine);
    await engine.register(gatedListen);
    const a = await engine.start({ namespace: 'test', name: 'gated' });
    const b = await engine.start({ namespace: 'test', name: 'gated' });
    await until(() => g.calls === 2, 'both gates');
    await engine.publish(approved('shared'));
    g.open();
    expect(await a.result()).toEqual([{ id: 'shared' }]);
    expect(await b.result()).toEqual([{ id: 'shared' }]);
  });

  it('stores the same source and id once and delivers it once', async () => {
    const engine = setup();
    const arrived: string[] = [];
    engine.on('event:arrived', ({ event }) => arrived.push(event.id));
    const [first] = await engine.publish(approved('dup', { data: 1 }));
    const [again] = await engine.publish(approved('dup', { data: 2 }));
    expect(again).toEqual(first);
    expect((await store.readEvents()).map((e) => e.event.data)).toEqual([1]);
    expect(arrived).toEqual(['dup']);
  });

  it('delivers an event published on one engine to a listen waiting on another engine of the store', async () => {
    const a = setup();
    const b = engineOn(store);
    engines.push(b);
    await b.register(plainListen);
    const h = await b.start({ namespace: 'test', name: 'plain' });
    await until(
      async () => (await b.history(h.id)).some((r) => r.event.type === 'ListenStarted'),
      'the listen',
    );
    await a.publish(approved('cross'));
    expect(await h.result()).toEqual([{ id: 'cross' }]);
  });

  it('stores an emitted event: a listen of another execution reached later takes it', async () => {
    const engine = setup();
    const g = gate(engine);
    await engine.register(gatedListen);
    await engine.register(emitter);
    const h = await engine.start({ namespace: 'test', name: 'gated' });
    await until(() => g.calls === 1, 'the gate');
    const sent = (await (await engine.start({ namespace: 'test', name: 'emitter' })).result()) as {
      id: string;
    };
    expect((await store.readEvents()).map((e) => e.event.id)).toEqual([sent.id]);
    g.open();
    expect(await h.result()).toEqual([{ by: 'emit' }]);
  });

  it('keeps an event sent while no process drives the execution for its recovery', async () => {
    const a = setup();
    await a.register(plainListen);
    const h = await a.start({ namespace: 'test', name: 'plain' });
    await until(
      async () => (await a.history(h.id)).some((r) => r.event.type === 'ListenStarted'),
      'the listen',
    );
    await a.close(); // as if the process stopped: the listen is in flight, unrecorded
    const b = engineOn(store);
    engines.push(b);
    await b.publish(approved('while-down'));
    expect(await b.recover()).toEqual({ resumed: [h.id], parked: [] });
    const resumed = await b.handle(h.id);
    expect(await resumed!.result()).toEqual([{ id: 'while-down' }]);
    expect(await receivedIds(b, h.id)).toEqual(['while-down']);
  });

  it('rejects an event without source, naming the field, and stores nothing', async () => {
    const engine = setup();
    await expect(
      engine.publish({ specversion: '1.0', id: 'x', type: 't' } as never),
    ).rejects.toThrow(/a CloudEvent needs string 'source'/);
    expect(await store.readEvents()).toEqual([]);
  });

  it('rejects a bad retention', () => {
    home = tempHome('weft-events-');
    store = home.open();
    expect(() => engineOn(store, { eventRetentionMs: 0 })).toThrow(
      /eventRetentionMs must be a positive integer, got 0/,
    );
  });
});
