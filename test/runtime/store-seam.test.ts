// The runtime's history seam with the SQLite store behind it (src/store's adapter): the
// same execution, its steps committed durably, readable again from a reopened store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/runtime/engine.js';
import { StoreHistoryAdapter, openSqliteStore } from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-seam-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the history seam on the SQLite store', () => {
  it('commits every step of an execution with concurrent effects, and the history survives a reopen', async () => {
    const path = join(dir, 'weft.db');
    const store = openSqliteStore({ path });
    const engine = createEngine({
      env: {},
      store: new StoreHistoryAdapter(store, {
        now: () => Date.now(),
        workflowSource: (ref) => JSON.stringify(engine.definition(ref)),
      }),
    });
    engine.registerFunction('echo', (args) => args);
    const [ref] = engine.register(
      "document: {dsl: '1.0.0', namespace: test, name: seam, version: '1.0.0'}\n" +
        'do:\n  - f:\n      fork:\n        branches:\n          - a:\n              call: echo\n              with: {b: a}\n          - b:\n              call: echo\n              with: {b: b}\n',
    );
    const handle = engine.start(ref!, { x: 1 });
    expect(await handle.result()).toEqual([{ b: 'a' }, { b: 'b' }]);
    const live = await engine.history(handle.id);
    await store.close();

    const reopened = openSqliteStore({ path });
    try {
      const stored = (await reopened.loadHistory(handle.id)).map((r) => r.event);
      expect(stored).toEqual(live);
      expect(stored.map((e) => e.type).sort()).toEqual([
        'ExecutionCompleted',
        'ExecutionStarted',
        'TaskCompleted',
        'TaskCompleted',
        'TaskStarted',
        'TaskStarted',
      ]);
      expect((await reopened.getExecution(handle.id))?.status).toEqual({
        state: 'completed',
        output: [{ b: 'a' }, { b: 'b' }],
      });
    } finally {
      await reopened.close();
    }
  });
});
