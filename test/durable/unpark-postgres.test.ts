// engine.unpark on PostgreSQL: a process that drives nothing (an API server) unparks a
// dead-lettered execution; a worker on its own connections, woken by the store's NOTIFY
// (its poll is a minute away), claims it and finishes it.
import { expect, it } from 'vitest';
import type { Json } from '../../src/history/events.js';
import type { DurableEngine } from '../../src/runtime/durable/engine.js';
import type { PostgresStore } from '../../src/store/index.js';
import { describePg, pgUnavailable, schemaPerTest, until } from '../store/pg-helpers.js';
import { doc, engineOn } from './helpers.js';

const unavailable = await pgUnavailable();
const pg = schemaPerTest(unavailable);

async function engine(
  name: string,
  call: () => Json | Promise<Json>,
  runStarts = true,
): Promise<{ engine: DurableEngine; store: PostgresStore }> {
  const store = await pg.store();
  // workers poll once a minute, so only the store's NOTIFY wakes them in time; the API
  // process reads its handles' outcomes every 50 ms
  const e = engineOn(store, { worker: { name, pollMs: runStarts ? 60_000 : 50, runStarts } });
  e.registerFunction('flaky', call);
  return { engine: pg.keep(e), store };
}

describePg('unpark (PostgreSQL)', unavailable, () => {
  it('is claimed and finished by a worker on another connection, woken by NOTIFY', async () => {
    let calls = 0;
    const hanging = () => {
      calls++;
      return new Promise<Json>(() => undefined);
    };
    const api = await engine('api', hanging, false);
    const [ref] = await api.engine.register(doc('pgpark', [{ a: { call: 'flaky' } }]));
    const { id } = await api.engine.start(ref!, {});
    // a worker takes it and dies in its call (a graceful close here: its claim is released)
    const first = await engine('w1', hanging);
    await first.engine.serve();
    await until(async () => calls === 1, 'the call');
    await first.engine.close();
    // five recoveries that died before making progress: the next claim parks it
    for (let i = 0; i < 5; i++) await api.store.noteRecoveryAttempt(id, Date.now());
    const worker = await engine('w2', () => ({ fixed: true }));
    expect(await worker.engine.serve()).toEqual({ resumed: [], parked: [id] });
    expect((await api.engine.get(id))?.status).toMatchObject({ reason: 'dead-letter' });

    await api.engine.unpark(id);
    const handle = await api.engine.handle(id);
    expect(await handle!.result()).toEqual({ fixed: true });
    const types = (await api.engine.history(id)).map((r) => r.event.type);
    expect(types).toEqual([
      'ExecutionStarted',
      'TaskStarted',
      'TaskCompleted',
      'ExecutionCompleted',
    ]);
  }, 30_000);
});
