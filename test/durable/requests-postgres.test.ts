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

  it('suspending and resuming a parent another process drives leaves its child running', async () => {
    let calls = 0;
    let release: (v: Json) => void = () => undefined;
    const worker = pg.keep(engineOn(await pg.store(), { worker: { name: 'w', pollMs: 50 } }));
    worker.registerFunction('gate', () => {
      calls++;
      return new Promise<Json>((r) => (release = r));
    });
    const api = pg.keep(
      engineOn(await pg.store(), { worker: { name: 'api', pollMs: 50, runStarts: false } }),
    );
    api.registerFunction('gate', () => ({}));
    await worker.register(doc('pgkid', [{ a: { call: 'gate' } }]));
    const [ref] = await worker.register(
      doc('pgparent', [
        { c: { run: { workflow: { namespace: 'test', name: 'pgkid', version: '1.0.0' } } } },
      ]),
    );
    await worker.serve();
    const { id } = await api.start(ref!, {});
    await until(async () => calls === 1, "the child's call");

    await api.suspend(id);
    await until(async () => (await api.get(id))?.status.state === 'suspended', 'suspended');
    await api.resume(id);
    await until(async () => (await api.get(id))?.status.state === 'running', 'running');
    await new Promise((r) => setTimeout(r, 300)); // the worker's claim rounds
    const child = (await api.list({ states: ['running', 'cancelled'] })).items.find(
      (r) => r.parentId === id,
    )!;
    const childTypes = (await api.history(child.id)).map((r) => r.event.type);
    expect(childTypes).not.toContain('ExecutionCancelRequested');
    release({ ok: true });
    expect(await (await api.handle(id))!.result()).toEqual({ ok: true });
  }, 30_000);
});
