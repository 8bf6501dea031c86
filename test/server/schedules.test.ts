import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DurableEngine } from '../../src/runtime/durable/engine.js';
import { DurableAdapter } from '../../src/server/durable-adapter.js';
import { Scheduler, withSchedules } from '../../src/server/schedules.js';
import { startServer, type TestServer } from './helpers.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.stop());

const doc = (name: string, schedule: string) => `document:
  dsl: '1.0.0'
  namespace: team-a
  name: ${name}
  version: '1.0.0'
schedule:
${schedule}
do:
  - x:
      set:
        ran: true
`;

async function register(text: string) {
  const r = await s.adapter.registerWorkflow(text, 'yaml');
  return r.workflows[0]!;
}

const count = async (name: string) =>
  (await s.adapter.listExecutions({ namespace: 'team-a', name, limit: 1000 })).items.length;

describe('schedules', () => {
  it('starts each every-slot once, and after downtime only the latest missed slot', async () => {
    const w = await register(doc('ticker', '  every: { minutes: 1 }'));
    let now = w.createdAt + 30_000;
    const sched = new Scheduler(s.adapter, s.store, undefined, () => now);
    expect(sched.add(w)).toBe(true);
    expect(await sched.tick()).toEqual([]); // the first slot is one interval after registration
    now = w.createdAt + 61_000;
    expect(await sched.tick()).toHaveLength(1);
    expect(await sched.tick()).toEqual([]); // same slot again: nothing new
    // a second scheduler (a restart) does not start the slot again
    const again = new Scheduler(s.adapter, s.store, undefined, () => now);
    again.add(w);
    expect(await again.tick()).toEqual([]);
    now = w.createdAt + 10 * 60_000 + 5; // 9 slots missed while down: one start
    expect(await again.tick()).toHaveLength(1);
    expect(await count('ticker')).toBe(2);
  });

  it('starts an after-schedule once and a cron schedule on its slots', async () => {
    const once = await register(doc('later', '  after: { seconds: 5 }'));
    const cron = await register(doc('hourly', "  cron: '0 * * * *'"));
    let now = Math.max(once.createdAt, cron.createdAt) + 6_000;
    const sched = new Scheduler(s.adapter, s.store, undefined, () => now);
    sched.add(once);
    sched.add(cron);
    await sched.tick();
    await sched.tick();
    expect(await count('later')).toBe(1);
    // one start per hour slot since registration: none yet, unless an hour began in the
    // 6 s just passed (a run in the last seconds before an hour failed on that)
    const hour = (t: number) => Math.floor(t / 3_600_000);
    const before = hour(now) > hour(cron.createdAt) ? 1 : 0;
    expect(await count('hourly')).toBe(before);
    now = Math.ceil(now / 3_600_000) * 3_600_000 + 1; // just past the next hour
    await sched.tick();
    await sched.tick();
    expect(await count('hourly')).toBe(before + 1);
  });

  it('starts an on-schedule for each matching event once, with the event as input', async () => {
    const w = await register(
      doc('on-push', '  on:\n    one:\n      with:\n        type: com.example.push'),
    );
    const sched = new Scheduler(s.adapter, s.store);
    const port = withSchedules(s.adapter, sched);
    sched.add(w);
    const ev = {
      specversion: '1.0',
      id: 'p-1',
      source: '/git',
      type: 'com.example.push',
      data: { ref: 'main' },
    };
    await port.publishEvents([ev, { ...ev, id: 'p-2', type: 'com.example.other' }]);
    await port.publishEvents([ev]); // delivered twice: one execution
    const items = (await s.adapter.listExecutions({ namespace: 'team-a', name: 'on-push' })).items;
    expect(items).toHaveLength(1);
    expect(items[0]!.input).toEqual({ event: ev });
  });

  it('starts one execution per event when two engines read the same events log', async () => {
    const w = await register(
      doc('on-both', '  on:\n    one:\n      with:\n        type: com.example.both'),
    );
    const other = new DurableAdapter(new DurableEngine({ store: s.store, env: {} }));
    const heard: string[] = [];
    const off = other.onEvent((e) => heard.push(e.id));
    const schedA = new Scheduler(s.adapter, s.store);
    const schedB = new Scheduler(other, s.store);
    const port = withSchedules(s.adapter, schedA);
    withSchedules(other, schedB);
    schedA.add(w);
    schedB.add(w);
    try {
      const ev = { specversion: '1.0', source: '/x', type: 'com.example.both' };
      // the same id from two sources: two events (CloudEvents are unique by source + id)
      await port.publishEvents([
        { ...ev, id: 'b-1' },
        { ...ev, id: 'b-1', source: '/y' },
      ]);
      // B read both from the log and tried to start them too
      for (let i = 0; heard.length < 2 && i < 400; i++) await new Promise((r) => setTimeout(r, 5));
      expect(heard).toEqual(['b-1', 'b-1']);
      await schedB.settled();
      expect(await count('on-both')).toBe(2);
    } finally {
      off();
      schedA.stop();
      schedB.stop();
      await other.close();
    }
  });

  it('ignores a workflow without a schedule', async () => {
    const plain = (
      await s.adapter.registerWorkflow(
        doc('plain', '  {}').replace('schedule:\n  {}\n', ''),
        'yaml',
      )
    ).workflows[0]!;
    expect(new Scheduler(s.adapter, s.store).add(plain)).toBe(false);
  });
});
