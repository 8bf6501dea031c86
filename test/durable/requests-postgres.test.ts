// Requests through the store on PostgreSQL: an API process (it drives nothing) suspends
// an execution a worker drives, then cancels it; the cancel lets the suspended execution go
// so that it can run its cancellation (remote.ts).
import { expect, it } from 'vitest';
import type { Json } from '../../src/history/events.js';
import { describePg, pgUnavailable, schemaPerTest, until } from '../store/pg-helpers.js';
import { doc, engineOn } from './helpers.js';

const unavailable = await pgUnavailable();
const pg = schemaPerTest(unavailable);

describePg('requests (PostgreSQL)', unavailable, () => {
  it('cancels a suspended execution another process drives', async () => {
    let calls = 0;
    const worker = pg.keep(engineOn(await pg.store(), { worker: { name: 'w', pollMs: 50 } }));
    worker.registerFunction('hang', () => {
      calls++;
      return new Promise<Json>(() => undefined);
    });
    const api = pg.keep(
      engineOn(await pg.store(), { worker: { name: 'api', pollMs: 50, runStarts: false } }),
    );
    api.registerFunction('hang', () => ({}));
    const [ref] = await worker.register(doc('pgsuspend', [{ a: { call: 'hang' } }]));
    await worker.serve();
    const { id } = await api.start(ref!, {});
    await until(async () => calls === 1, 'the call');

    await api.suspend(id);
    await until(async () => (await api.get(id))?.status.state === 'suspended', 'suspended');
    await api.cancel(id, 'stop');
    const handle = await api.handle(id);
    expect(await handle!.outcome).toEqual({ status: 'cancelled', reason: 'stop' });
    const types = (await api.history(id)).map((r) => r.event.type);
    expect(types.filter((t) => t === 'ExecutionCancelRequested')).toHaveLength(1);
    expect(types.at(-1)).toBe('ExecutionCancelled');
  }, 30_000);
});
