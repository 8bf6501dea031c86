// The engine with concurrent effects and child executions.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/runtime/clock.js';
import { createEngine } from '../../src/runtime/engine.js';
import { until } from './helpers/wait.js';

const head = (name: string, version = '1.0.0') =>
  `document: {dsl: '1.0.0', namespace: test, name: ${name}, version: '${version}'}\n`;

describe('the engine with concurrency and children', () => {
  it('keeps up to for.concurrency iterations in flight at once, and no more', async () => {
    const engine = createEngine({ env: {} });
    let inFlight = 0;
    let most = 0;
    engine.registerFunction('work', async (args) => {
      inFlight++;
      most = Math.max(most, inFlight);
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      inFlight--;
      return args;
    });
    const [ref] = engine.register(
      head('par') +
        'do:\n  - each:\n      for:\n        each: n\n        in: .items\n        concurrency: 2\n      do:\n        - w:\n            call: work\n            with:\n              n: ${ $n }\n',
    );
    const out = await engine.start(ref!, { items: [1, 2, 3, 4, 5] }).result();
    expect(out).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
    expect(most).toBe(2);
  });

  it('faults the parent with the child fault when the child faults', async () => {
    const engine = createEngine({ env: {} });
    const [parent] = engine.register(
      head('p2') +
        "do:\n  - c:\n      run:\n        workflow: {namespace: test, name: c2, version: '1.0.0'}\n---\n" +
        head('c2') +
        'do:\n  - r:\n      raise:\n        error: {type: https://example.com/child, status: 422, title: Child failed}\n',
    );
    const o = await engine.start(parent!, {}).outcome;
    expect(o).toMatchObject({
      status: 'faulted',
      error: { type: 'https://example.com/child', status: 422 },
    });
  });

  it('faults naming a child workflow that is not registered', async () => {
    const engine = createEngine({ env: {} });
    const [parent] = engine.register(
      head('p3') +
        "do:\n  - c:\n      run:\n        workflow: {namespace: test, name: ghost, version: '9.9.9'}\n",
    );
    const o = await engine.start(parent!, {}).outcome;
    expect(o).toMatchObject({
      status: 'faulted',
      error: { detail: expect.stringContaining('test/ghost@9.9.9') },
    });
  });

  it('cancels a running child when its parent is cancelled', async () => {
    const clock = new ManualClock(0);
    const engine = createEngine({ env: {}, clock });
    const ends: string[] = [];
    engine.on('execution:cancelled', ({ executionId }) => ends.push(executionId));
    const [parent] = engine.register(
      head('p4') +
        "do:\n  - c:\n      run:\n        workflow: {namespace: test, name: c4, version: '1.0.0'}\n---\n" +
        head('c4') +
        'do:\n  - w:\n      wait: PT1H\n',
    );
    const handle = engine.start(parent!, {});
    await until(() => clock.pending === 1, "the child's timer");
    handle.cancel('stop');
    expect(await handle.outcome).toMatchObject({ status: 'cancelled' });
    await until(() => ends.length === 2, 'both executions to end');
    expect(clock.pending).toBe(0);
  });
});
