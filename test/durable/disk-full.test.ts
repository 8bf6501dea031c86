// A SQLite store that cannot grow (a full disk) must not fault or park healthy executions:
// a step that cannot be written fails as StoreBusyError, the execution is resumed from
// its history once the store takes writes again, and those rounds are not counted as
// recoveries from a crash. The full disk is SQLite's own max_page_count, which fails a
// write that needs a new page with SQLITE_FULL, as a full file system does.
import { afterEach, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../src/store/index.js';
import { until } from '../store/pg-helpers.js';
import { type Home, doc, engineOn, tempHome } from './helpers.js';

let home: Home;
afterEach(() => home?.remove());

describe('a full disk', () => {
  it('holds executions back until it has room, then finishes them; it faults and parks none', async () => {
    home = tempHome();
    const store = home.open() as SqliteStore;
    const engine = engineOn(store, { worker: { pollMs: 20 } });
    let open: () => void = () => undefined;
    const gate = new Promise<void>((r) => (open = r));
    let calls = 0;
    engine.registerFunction('blob', async (args) => {
      await gate;
      calls++;
      return { n: (args as { n: number }).n, blob: 'x'.repeat(50_000) };
    });
    const lost: string[] = [];
    engine.on('execution:lost', (e) => lost.push(e.reason));
    const [ref] = await engine.register(
      doc('big', [{ a: { call: 'blob', with: { n: '${ .n }' } } }, { b: { set: '${ .n }' } }]),
    );
    await engine.serve();
    const handles = [];
    for (let n = 0; n < 5; n++) handles.push(await engine.start(ref!, { n }));
    // every execution is in its call: now the disk fills up
    const pages = Number(store.db.pragma('page_count', { simple: true }));
    store.db.pragma(`max_page_count = ${pages + 2}`);
    // a start that needs room is refused, by a retryable error naming the cause
    await expect(engine.start(ref!, { n: 99, pad: 'x'.repeat(20_000) })).rejects.toThrow(
      /the disk or database is full \(SQLITE_FULL: database or disk is full\); nothing of \d+ write/,
    );
    open();
    await until(() => lost.length >= 10, 'the steps to be refused a few rounds');
    expect(lost[0]).toMatch(/^StoreBusyError: .*the disk or database is full \(SQLITE_FULL/);
    for (const h of handles) {
      const record = await store.getExecution(h.id);
      expect(record?.status).toEqual({ state: 'running' });
      expect(record?.recoveryAttempts).toBe(0);
    }

    store.db.pragma('max_page_count = 1073741823'); // room again
    for (const [n, h] of handles.entries()) expect(await h.result()).toBe(n);
    for (const h of handles) {
      const types = (await engine.history(h.id)).map((r) => r.event.type);
      expect(types).toEqual([
        'ExecutionStarted',
        'TaskStarted',
        'TaskCompleted',
        'ExecutionCompleted',
      ]);
    }
    // the calls whose results could not be written ran again (same key), as after a crash
    expect(calls).toBeGreaterThan(5);
    expect((await engine.list({ states: ['faulted', 'parked'] })).items).toEqual([]);
    await engine.close();
    await store.close();
  });
});
