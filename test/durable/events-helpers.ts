// Shared by the stored-events tests (events.test.ts, events-pg.test.ts): workflows that
// wait on a gate function before a `listen`, so an event can be sent before the listen
// is reached, and an engine clock the test moves.
import type { CloudEvent, Json } from '../../src/history/events.js';
import { type Clock, systemClock } from '../../src/runtime/clock.js';
import type { DurableEngine } from '../../src/runtime/durable/engine.js';
import { doc, tick } from './helpers.js';

export const T0 = 1_700_000_000_000;

/** A clock whose now() the test sets; timers run on real time. */
export function settableClock(start = T0): Clock & { t: number } {
  const c = { t: start, now: () => c.t, schedule: systemClock.schedule };
  return c;
}

export const approved = (id: string, extra: Partial<CloudEvent> = {}): CloudEvent => ({
  specversion: '1.0',
  id,
  source: '/approvals',
  type: 'com.example.approved',
  data: { id },
  ...extra,
});

const listenApproved = {
  listen: { to: { one: { with: { type: 'com.example.approved' } } } },
};

/** gate (a function the test opens), then one listen. */
export const gatedListen = doc('gated', [{ gate: { call: 'gate' } }, { wait: listenApproved }]);

/** gate, then a loop of two listens for the same type. */
export const gatedLoop = doc('looped', [
  { gate: { call: 'gate' } },
  { loop: { for: { each: 'i', in: '${ [1, 2] }' }, do: [{ wait: listenApproved }] } },
]);

/** Emits one com.example.approved event. */
export const emitter = doc('emitter', [
  {
    e: {
      emit: {
        event: {
          with: {
            source: 'https://example.com/emitter',
            type: 'com.example.approved',
            data: { by: 'emit' },
          },
        },
      },
    },
  },
]);

/** One listen at once. */
export const plainListen = doc('plain', [{ wait: listenApproved }]);

/** Registers `gate` on the engines: calls wait until open() (each call counts). */
export function gate(...engines: DurableEngine[]) {
  let release!: () => void;
  const opened = new Promise<void>((r) => (release = r));
  const g = { calls: 0, open: () => release() };
  for (const e of engines)
    e.registerFunction('gate', async () => {
      g.calls += 1;
      await opened;
      return {} as Json;
    });
  return g;
}

/** Resolves when `check` is true, polling every 5 ms; fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick(5);
  }
}

/** The ids of the events an execution's history received, in order. */
export async function receivedIds(engine: DurableEngine, id: string): Promise<string[]> {
  return (await engine.history(id)).flatMap((r) =>
    r.event.type === 'EventReceived' ? [r.event.event.id] : [],
  );
}
