// A step whose commit fails with StoreBusyError (outcome unknown: here SQLITE_BUSY, another
// process holding the write lock past the busy timeout) drops the execution. Its claim
// is handed back at once (Claims.giveBack), so the serving worker resumes it from its
// history as soon as the store answers: on the exclusive SQLite store a kept claim never
// lapses, and the execution would wait for the next process start.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/index.js';
import { type Home, doc, engineOn, tempHome, tick } from './helpers.js';

let home: Home;
afterEach(() => home?.remove());

describe('a step commit that fails with StoreBusyError', () => {
  it('resumes the execution from history once the store answers again', async () => {
    home = tempHome();
    const store = openSqliteStore({ path: home.path, synchronous: 'NORMAL', busyTimeoutMs: 50 });
    const engine = engineOn(store, { worker: { pollMs: 20 } });
    const other = new Database(home.path, { timeout: 0 });
    const calls: string[] = [];
    const lost: string[] = [];
    engine.on('execution:lost', (e) => lost.push(e.reason));
    engine.registerFunction('gate', () => {
      calls.push('gate');
      if (calls.length === 1) {
        // another process takes the write lock for 400 ms: this step's commit fails busy
        other.exec('BEGIN IMMEDIATE');
        setTimeout(() => other.exec('COMMIT'), 400);
      }
      return { gate: calls.length };
    });
    engine.registerFunction('after', () => {
      calls.push('after');
      return { done: true };
    });
    await engine.register(doc('busy', [{ a: { call: 'gate' } }, { b: { call: 'after' } }]));
    await engine.serve();
    const h = await engine.start({ namespace: 'test', name: 'busy' }, {});
    const outcome = await Promise.race([h.outcome, tick(10_000).then(() => 'stuck' as const)]);
    expect(outcome).toEqual({ status: 'completed', output: { done: true } });
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatch(/^StoreBusyError: /);
    // the gate's result was never recorded, so it ran again (an effect in flight); once
    expect(calls).toEqual(['gate', 'gate', 'after']);
    const types = (await store.loadHistory(h.id)).map((r) => r.event.type);
    expect(types.filter((t) => t === 'TaskCompleted')).toHaveLength(2);
    await engine.close();
    other.close();
    await store.close();
  }, 30_000);
});
