// Retention (DurableEngineOptions.retentionMs, `--retention-hours`): a serving engine
// deletes the executions that ended longer ago than the retention, with their histories,
// and never one that has not ended; bad values are refused by name.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/runtime/clock.js';
import type { Store } from '../../src/store/index.js';
import { weft } from '../helpers/cli.js';
import { until } from '../store/pg-helpers.js';
import { type Home, doc, engineOn, tempHome } from './helpers.js';

const T0 = 1_700_000_000_000;
const hour = 3_600_000;

describe('retention', () => {
  let home: Home;
  let store: Store;
  beforeEach(() => {
    home = tempHome();
    store = home.open();
  });
  afterEach(async () => {
    await store.close();
    home.remove();
  });

  it('deletes executions that ended longer ago than the retention, only those', async () => {
    const clock = new ManualClock(T0);
    const engine = engineOn(store, { clock, retentionMs: hour, worker: { pollMs: 10 } });
    await engine.register(doc('quick', [{ s: { set: { ok: true } } }]));
    await engine.register(
      doc('waits', [{ l: { listen: { to: { one: { with: { type: 'com.example.never' } } } } } }]),
    );
    const quick = { namespace: 'test', name: 'quick', version: '1.0.0' };
    const ended: string[] = [];
    for (let i = 0; i < 3; i++) {
      const h = await engine.start(quick, {});
      await h.result();
      ended.push(h.id);
    }
    const waiting = await engine.start({ namespace: 'test', name: 'waits', version: '1.0.0' }, {});
    clock.advance(30 * 60_000);
    const recent = await engine.start(quick, {}); // ended half an hour later
    await recent.result();

    clock.advance(hour); // the first three ended 1.5 h ago, `recent` 1 h ago: at the bound
    await engine.serve();
    await until(
      async () => (await store.getExecution(ended.at(-1)!)) === undefined,
      'the old executions to be deleted',
    );
    for (const id of ended) {
      expect(await store.getExecution(id)).toBeUndefined();
      await expect(store.loadHistory(id)).rejects.toThrow(/does not exist/);
    }
    expect((await store.getExecution(recent.id))?.status.state).toBe('completed');
    expect((await store.getExecution(waiting.id))?.status.state).toBe('running');
    await engine.close();
  });

  it('refuses a retention that is not a positive number, naming it', () => {
    expect(() => engineOn(store, { retentionMs: 0 })).toThrow(/retentionMs must be a positive/);
    const worker = weft(['worker', '--retention-hours', 'soon'], {
      env: { WEFT_HOME: home.dir },
    });
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain('--retention-hours takes a positive number of hours, not soon');
    const serve = weft(['serve', '--retention-hours', '-3'], { env: { WEFT_HOME: home.dir } });
    expect(serve.code).toBe(2);
    expect(serve.stderr).toContain('--retention-hours takes a positive number of hours, not -3');
  });
});
