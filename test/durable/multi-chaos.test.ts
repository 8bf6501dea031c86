// The small multi-process chaos run of issue 6 (chaos/multi.ts is the large one, with the
// database restart): one `weft serve` and four `weft worker` processes on a fresh
// PostgreSQL schema, 60 executions whose effects call a ledger on 127.0.0.1, two workers
// SIGKILLed and restarted, one SIGSTOPped past its lease and continued. The shared test
// database is never restarted here.
import { expect, it } from 'vitest';
import { failedChecks, runMulti, type MultiOptions } from '../../chaos/multi-run.js';
import { retriedOf } from '../../chaos/workflow.js';
import { describePg, freshSchema, pgUnavailable, pgUrl } from '../store/pg-helpers.js';

const unavailable = await pgUnavailable();

describePg('multi-process chaos', unavailable, () => {
  it("completes 60 executions on 4 workers through 2 SIGKILLs and a SIGSTOP past the lease, refusing the stopped worker's late writes", async () => {
    const o: MultiOptions = {
      connectionString: pgUrl,
      schema: freshSchema(),
      executions: 60,
      workers: 4,
      kills: 2,
      stops: 1,
      dbRestart: false,
      leaseMs: 1000,
      waitMs: 100,
      timeoutMs: 90_000,
    };
    const lines: string[] = [];
    const c = await runMulti({ ...o, log: (l) => lines.push(l) });
    const why = `${JSON.stringify({ ...c, stop: { ...c.stop, heldIds: undefined } })}\n${lines.slice(-60).join('\n')}`;
    expect(c.executions, why).toBe(60);
    expect(c.completedRight, why).toBe(60);
    // seven calls (one in the child, two in a fork, three in a loop) and an emit each, and
    // a retry of the first call for every fourth
    expect(c.effects, why).toBe(8 * 60 + retriedOf(60));
    expect(c.retriesWrong, why).toBe(0);
    // the second call runs in a child execution: one each, completed
    expect(c.children, why).toBe(60);
    expect(c.childrenWrong, why).toBe(0);
    expect(c.pings, why).toBe(60);
    expect(c.pingsWrong, why).toBe(0);
    expect(c.reRunAfterRecorded, why).toBe(0);
    expect(c.callsWithoutRecordedStart).toBe(0);
    expect(c.keysPerEffectMismatch).toBe(0);
    expect(c.missingKeys).toBe(0);
    expect(c.timersEarly).toBe(0);
    expect(c.timersTwice, why).toBe(0);
    // one writer per history: no effect started or ended twice
    expect(c.startedTwice, why).toBe(0);
    expect(c.completedTwice, why).toBe(0);
    expect(c.killsDone).toBe(2);
    expect(c.restarts).toBe(2);
    expect(c.unexpectedExits, why).toBe(0);
    expect(c.dbRestarts).toBe(0);
    // the stopped worker held work, lost it to the others, and none of its writes got in
    expect(c.stop, why).toBeDefined();
    expect(c.stop!.stoppedMs).toBeGreaterThan(3 * o.leaseMs);
    expect(c.stop!.takenOver, why).toBeGreaterThan(0);
    // (a late write that got in would make the new owner's next commit out of sequence)
    expect(c.stop!.othersOutOfTurnOnHeld, why).toBe(0);
    expect(failedChecks(c, o)).toEqual([]);
  }, 120_000);
});
