// A store that cannot grow (a full disk) must not fault or park healthy executions: a step
// that cannot be written fails as StoreBusyError, the execution is resumed from its
// history once the store takes writes again, and those rounds are not counted as
// recoveries from a crash. On SQLite the full disk is SQLite's own max_page_count, which
// fails a write that needs a new page with SQLITE_FULL, as a full file system does. On
// PostgreSQL a trigger raises what a full disk raises: SQLSTATE 53100 (disk_full).
import { afterEach, describe, expect, it } from 'vitest';
import type { DurableEngine } from '../../src/runtime/durable/engine.js';
import type { SqliteStore, Store } from '../../src/store/index.js';
import { admin, describePg, pgUnavailable, schemaPerTest, until } from '../store/pg-helpers.js';
import { type Home, doc, engineOn, tempHome } from './helpers.js';

let home: Home | undefined;
afterEach(() => home?.remove());
const unavailable = await pgUnavailable();
const pg = schemaPerTest(unavailable);

/** Five executions, each held in its call until `open()`; what the engine reports lost. */
async function fiveInCalls(store: Store) {
  const engine = engineOn(store, { worker: { pollMs: 20 } });
  let open: () => void = () => undefined;
  const gate = new Promise<void>((r) => (open = r));
  const counter = { calls: 0 };
  engine.registerFunction('blob', async (args) => {
    await gate;
    counter.calls++;
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
  return { engine, ref: ref!, open, counter, lost, handles };
}

/** The five are still running, not one recovery counted; then, once the store has room
 *  again (`room`), each completes with its own output and a history without a fault. */
async function heldThenFinished(
  engine: DurableEngine,
  store: Store,
  handles: Awaited<ReturnType<typeof fiveInCalls>>['handles'],
  room: () => Promise<void> | void,
): Promise<void> {
  for (const h of handles) {
    const record = await store.getExecution(h.id);
    expect(record?.status).toEqual({ state: 'running' });
    expect(record?.recoveryAttempts).toBe(0);
  }
  await room();
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
  expect((await engine.list({ states: ['faulted', 'parked'] })).items).toEqual([]);
}

describe('a full disk', () => {
  it('holds executions back until it has room, then finishes them; it faults and parks none', async () => {
    home = tempHome();
    const store = home.open() as SqliteStore;
    const { engine, ref, open, counter, lost, handles } = await fiveInCalls(store);
    // every execution is in its call: now the disk fills up
    const pages = Number(store.db.pragma('page_count', { simple: true }));
    store.db.pragma(`max_page_count = ${pages + 2}`);
    // a start that needs room is refused, by a retryable error naming the cause
    await expect(engine.start(ref, { n: 99, pad: 'x'.repeat(20_000) })).rejects.toThrow(
      /the disk or database is full \(SQLITE_FULL: database or disk is full\); nothing of \d+ write/,
    );
    open();
    await until(() => lost.length >= 10, 'the steps to be refused a few rounds');
    expect(lost[0]).toMatch(/^StoreBusyError: .*the disk or database is full \(SQLITE_FULL/);
    await heldThenFinished(engine, store, handles, () => {
      store.db.pragma('max_page_count = 1073741823');
    });
    // the calls whose results could not be written ran again (same key), as after a crash
    expect(counter.calls).toBeGreaterThan(5);
    await engine.close();
    await store.close();
  });
});

describePg('a full disk (PostgreSQL)', unavailable, () => {
  it('holds executions back while the server refuses with disk_full, then finishes them', async () => {
    const store = await pg.store({ retryBudgetMs: 100 });
    const s = `"${pg.schema}"`;
    await admin(`CREATE TABLE ${s}.full_switch (full_ boolean NOT NULL);
      INSERT INTO ${s}.full_switch VALUES (false);
      CREATE FUNCTION ${s}.pretend_full() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT full_ FROM ${s}.full_switch) THEN
          RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = '53100';
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER pretend_full BEFORE INSERT ON ${s}.history
        FOR EACH STATEMENT EXECUTE FUNCTION ${s}.pretend_full()`);
    const { engine, open, lost, handles } = await fiveInCalls(store);
    pg.keep(engine);
    await admin(`UPDATE ${s}.full_switch SET full_ = true`);
    open();
    await until(() => lost.length >= 10, 'the steps to be refused a few rounds');
    expect(lost[0]).toMatch(
      /^StoreBusyError: PostgreSQL refused for want of a resource for 100 ms: could not extend file/,
    );
    await heldThenFinished(engine, store, handles, async () => {
      await admin(`UPDATE ${s}.full_switch SET full_ = false`);
    });
  });
});
