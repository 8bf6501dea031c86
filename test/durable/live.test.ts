// Live (src/runtime/durable/live.ts): the outcome promise is made on demand, and a settled
// Live leaves the map that keeps it.
import { describe, expect, it } from 'vitest';
import { Live } from '../../src/runtime/durable/live.js';
import type { Outcome } from '../../src/runtime/started.js';

const done: Outcome = { status: 'completed', output: { n: 1 } };
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Live', () => {
  it('settles the outcome asked for before it ended, the same promise at every call', async () => {
    const l = new Live('e1', 0);
    const first = l.outcome;
    expect(l.outcome).toBe(first);
    l.settle(done);
    await expect(first).resolves.toEqual(done);
  });

  it('gives the outcome to who asks only after it ended', async () => {
    const l = new Live('e1', 0);
    l.settle(done);
    expect(l.settled).toBe(true);
    await expect(l.outcome).resolves.toEqual(done);
    expect(l.outcome).toBe(l.outcome);
  });

  it('keeps the first outcome when settled twice', async () => {
    const l = new Live('e1', 0);
    l.settle(done);
    l.settle({ status: 'cancelled', reason: 'late' });
    await expect(l.outcome).resolves.toEqual(done);
  });

  it('leaves its map once settled, but not a map where another Live took its id', async () => {
    const home = new Map<string, Live>();
    const a = new Live('a', 0);
    const b = new Live('b', 0);
    const replaced = new Live('b', 0);
    for (const l of [a, b]) {
      home.set(l.id, l);
      l.home = home;
    }
    a.settle(done);
    b.settle(done);
    home.set('b', replaced); // before the microtask in which b would leave
    await tick();
    expect([...home.keys()]).toEqual(['b']);
    expect(home.get('b')).toBe(replaced);
  });

  it('stays in its map while it has not ended', async () => {
    const home = new Map<string, Live>();
    const l = new Live('a', 0);
    home.set('a', l);
    l.home = home;
    void l.outcome;
    await tick();
    expect(home.get('a')).toBe(l);
  });
});
