// The engine when effects lose: timeouts, races, correlation, a failing store.
import { describe, expect, it } from 'vitest';
import type { HistoryEvent, Json } from '../../src/history/events.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { createEngine } from '../../src/runtime/engine.js';
import { startServer } from './helpers/server.js';
import { until } from './helpers/wait.js';

const head = (name: string, version = '1.0.0') =>
  `document: {dsl: '1.0.0', namespace: test, name: ${name}, version: '${version}'}\n`;

function types(events: HistoryEvent[]): string[] {
  return events.map((e) => e.type);
}

describe('the engine with effects that lose', () => {
  it('aborts an http call when the task times out, and faults with the timeout error', async () => {
    const clock = new ManualClock(0);
    const engine = createEngine({ env: {}, clock });
    let closed = false;
    const slow = await startServer((_req, res) => {
      res.on('close', () => (closed = true));
    });
    try {
      const [ref] = engine.register(
        head('timeout') +
          `do:\n  - get:\n      call: http\n      with:\n        method: get\n        endpoint: ${slow.url}/never\n      timeout:\n        after: PT1S\n`,
      );
      const handle = engine.start(ref!, {});
      await until(
        () => slow.received.length === 1 && clock.pending === 1,
        'the request and its timer',
      );
      clock.advance(1000);
      const o = await handle.outcome;
      expect(o).toMatchObject({
        status: 'faulted',
        error: { type: 'https://serverlessworkflow.io/spec/1.0.0/errors/timeout', status: 408 },
      });
      await until(() => closed, 'the aborted request');
      const history = await engine.history(handle.id);
      expect(types(history)).toContain('EffectCancelled');
      expect(types(history)).not.toContain('TaskCompleted');
    } finally {
      await slow.close();
    }
  });

  it('aborts the losing branch of a competing fork', async () => {
    const engine = createEngine({ env: {} });
    let aborted = false;
    engine.registerFunction('hang', (_args, ctx) => {
      return new Promise<Json>((_resolve, reject) =>
        ctx.signal.addEventListener('abort', () => {
          aborted = true;
          reject(new Error('aborted'));
        }),
      );
    });
    engine.registerFunction('quick', () => ({ won: 'quick' }));
    const [ref] = engine.register(
      head('compete') +
        'do:\n  - race:\n      fork:\n        compete: true\n        branches:\n          - a:\n              call: hang\n          - b:\n              call: quick\n',
    );
    expect(await engine.start(ref!, {}).result()).toEqual({ won: 'quick' });
    expect(aborted).toBe(true);
  });

  it('delivers only events whose correlation agrees with the first one', async () => {
    const engine = createEngine({ env: {} });
    const [ref] = engine.register(
      head('correlate') +
        'do:\n  - l:\n      listen:\n        to:\n          all:\n            - with: {type: a}\n              correlate:\n                order: {from: .data.order}\n            - with: {type: b}\n              correlate:\n                order: {from: .data.order}\n',
    );
    const handle = engine.start(ref!, {});
    await until(() => engine['bus'].size === 1, 'the listen');
    const event = (type: string, order: number) => ({
      specversion: '1.0',
      id: `${type}${order}`,
      source: 't',
      type,
      data: { order },
    });
    engine.publish(event('a', 1));
    engine.publish(event('b', 2));
    engine.publish(event('b', 1));
    expect(await handle.result()).toEqual([{ order: 1 }, { order: 1 }]);
  });

  it('faults the execution, naming the cause, when the history store fails', async () => {
    const engine = createEngine({
      env: {},
      store: {
        append: () => Promise.reject(new Error('disk full')),
        load: () => Promise.resolve([]),
      },
    });
    const [ref] = engine.register(head('store') + 'do:\n  - a:\n      set: {x: 1}\n');
    expect(await engine.start(ref!, {}).outcome).toMatchObject({
      status: 'faulted',
      error: {
        type: 'https://serverlessworkflow.io/spec/1.0.0/errors/runtime',
        detail: 'disk full',
      },
    });
  });

  it('refuses to publish an event without the CloudEvent attributes, naming them', () => {
    const engine = createEngine({ env: {} });
    expect(() => engine.publish({ specversion: '1.0', id: '', source: 's' } as never)).toThrow(
      /needs string 'id', 'type'/,
    );
  });

  it("delivers one execution's emitted event to another execution's listen", async () => {
    const engine = createEngine({ env: {} });
    const [listener] = engine.register(
      head('waiter') +
        'do:\n  - l:\n      listen:\n        to:\n          one:\n            with: {type: com.example.done}\n',
    );
    const [emitter] = engine.register(
      head('emitter') +
        'do:\n  - e:\n      emit:\n        event:\n          with:\n            source: https://example.com\n            type: com.example.done\n            data: {ok: true}\n',
    );
    const waiting = engine.start(listener!, {});
    await until(() => engine['bus'].size === 1, 'the listen');
    const sent = (await engine.start(emitter!, {}).result()) as { id: string; type: string };
    expect(sent.type).toBe('com.example.done');
    expect(await waiting.result()).toEqual([{ ok: true }]);
    const received = (await engine.history(waiting.id)).find((e) => e.type === 'EventReceived');
    expect(received).toMatchObject({ event: { id: sent.id, source: 'https://example.com' } });
  });
});
