import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/runtime/clock.js';
import { createEngine } from '../../src/runtime/engine.js';

const doc = (name: string, call: string) =>
  `document: {dsl: '1.0.0', namespace: test, name: ${name}, version: '1.0.0'}\n` +
  `do:\n  - look:\n      call: ${call}\n      with:\n        id: \${ .id }\n      cache:\n        key: \${ .id }\n        ttl: PT1M\n`;

describe('the cache extension', () => {
  it('reuses a result under the same key while fresh, and calls again once it expired', async () => {
    const clock = new ManualClock(0);
    const engine = createEngine({ env: {}, clock });
    let calls = 0;
    engine.registerFunction('lookup', (args) => ({ n: ++calls, args }));
    const [ref] = engine.register(doc('cached', 'lookup'));
    const run = (id: number) => engine.start(ref!, { id }).result();
    expect(await run(1)).toEqual({ n: 1, args: { id: 1 } });
    expect(await run(1)).toEqual({ n: 1, args: { id: 1 } });
    expect(await run(2)).toEqual({ n: 2, args: { id: 2 } });
    clock.advance(60_000);
    expect(await run(1)).toEqual({ n: 3, args: { id: 1 } });
    expect(calls).toBe(3);
  });

  it('never shares an entry between two functions, and never keeps a fault', async () => {
    const engine = createEngine({ env: {} });
    let failures = 0;
    engine.registerFunction('a', () => ({ from: 'a' }));
    engine.registerFunction('b', () => {
      if (failures++ === 0) throw new Error('first call fails');
      return { from: 'b' };
    });
    const [a] = engine.register(doc('ca', 'a'));
    const [b] = engine.register(doc('cb', 'b'));
    expect(await engine.start(a!, { id: 1 }).result()).toEqual({ from: 'a' });
    expect((await engine.start(b!, { id: 1 }).outcome).status).toBe('faulted');
    expect(await engine.start(b!, { id: 1 }).result()).toEqual({ from: 'b' });
  });
});
