// A just-started execution runs from the ExecutionStarted it wrote, without reading it
// back (lanes.created): it must still run on the store's copy of the input, and its
// first commit must land right after that event.
import { afterEach, describe, expect, it } from 'vitest';
import { type Home, doc, engineOn, tempHome } from './helpers.js';

let home: Home;
afterEach(() => home?.remove());

describe('durable start without reading the history back', () => {
  it('runs on its own copy of the input, not the caller object', async () => {
    home = tempHome();
    const store = home.open();
    const engine = engineOn(store);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    engine.registerFunction('hold', () => gate.then(() => ({})));
    await engine.register(
      doc('copy', [{ a: { call: 'hold' } }, { b: { set: { x: '${ $workflow.input.x }' } } }]),
    );
    const input = { x: 'original' };
    const handle = await engine.start({ namespace: 'test', name: 'copy' }, input);
    input.x = 'changed by the caller';
    release();
    expect(await handle.result()).toEqual({ x: 'original' });
    const seqs = (await engine.history(handle.id)).map((r) => r.seq);
    expect(seqs).toEqual([1, 2, 3, 4]);
    await engine.close();
    await store.close();
  });
});
