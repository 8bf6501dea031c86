// The serving loop's wake-ups never ask setTimeout for more than it takes (2^31 - 1 ms):
// beyond that Node fires at once, with a TimeoutOverflowWarning. On SQLite every claim
// lasts 100 years, and the loop used to arm a timer for it at each round.
import { afterEach, describe, expect, it } from 'vitest';
import { type Home, doc, engineOn, tempHome, tick } from './helpers.js';

let home: Home | undefined;
afterEach(() => home?.remove());

describe('wake-ups', () => {
  it('arm no timer past what setTimeout takes, for claims that last 100 years', async () => {
    home = tempHome();
    let store = home.open();
    let engine = engineOn(store);
    // waiting for an event: its only work item is its run item, claimed
    const [ref] = await engine.register(
      doc('hears', [{ l: { listen: { to: { one: { with: { type: 'com.example.never' } } } } } }]),
    );
    await engine.start(ref!, {});
    await engine.close();
    await store.close();

    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      store = home.open();
      engine = engineOn(store, { worker: { pollMs: 20 } });
      expect((await engine.serve()).resumed).toHaveLength(1); // claimed until 100 years on
      await tick(200); // ten claim rounds
      await engine.close();
      await store.close();
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });
});
