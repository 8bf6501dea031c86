// The small chaos run of issue 4 (chaos/run.ts is the large one): 20 executions whose
// effects call a ledger on 127.0.0.1 (chaos/workflow.ts: a retried call, a durable timer,
// a child execution's call, two calls in a fork, an emit and its listen, three calls of a
// concurrent loop), the worker process SIGKILLed 5 times at
// random moments while effects are in flight, then restarted until it finishes; meanwhile
// this process suspends and resumes running executions through the store
// (chaos/requests.ts).
import { describe, expect, it } from 'vitest';
import { runChaos } from '../../chaos/harness.js';
import { passed } from '../../chaos/verify.js';
import { retriedOf } from '../../chaos/workflow.js';

describe('chaos', () => {
  it('completes every execution and its child with the right output through 5 SIGKILLs and suspend/resume requests, re-running only effects in flight', async () => {
    const c = await runChaos({
      executions: 20,
      kills: 5,
      callsBetweenKills: 6,
      waitMs: 100,
      requests: true,
    });
    expect(c.killsDone).toBe(5);
    expect(c.requestPairs).toBeGreaterThan(0);
    expect(c.completedRight).toBe(20);
    expect(c.wrongOrUnfinished).toBe(0);
    // seven calls each (one in the child, two in a fork, three in a loop) and an emit, and
    // a second attempt of the first call for every fourth (a 503 first)
    expect(c.effects).toBe(8 * 20 + retriedOf(20));
    expect(c.retried).toBe(retriedOf(20));
    expect(c.retriesWrong).toBe(0);
    // one child each, completed, its start and its result recorded once in the parent
    expect(c.children).toBe(20);
    // each one's event stored once, and heard by its own listen (the output says so)
    expect(c.pings).toBe(20);
    expect(c.pingsWrong).toBe(0);
    expect(c.childrenWrong).toBe(0);
    expect(c.startedTwice).toBe(0);
    expect(c.completedTwice).toBe(0);
    expect(c.reRunAfterRecorded).toBe(0);
    expect(c.callsWithoutRecordedStart).toBe(0);
    expect(c.keysPerEffectMismatch).toBe(0);
    expect(c.missingKeys).toBe(0);
    // an effect runs again only after a kill caught it in flight: once per restart at most
    expect(c.maxCallsPerEffect).toBeGreaterThanOrEqual(1);
    expect(c.maxCallsPerEffect).toBeLessThanOrEqual(1 + c.killsDone);
    expect(c.timers).toBe(20 + retriedOf(20)); // the wait, and each retry's delay
    expect(c.timersEarly).toBe(0);
    expect(c.timersTwice).toBe(0);
    expect(passed(c, 20)).toBe(true);
  }, 120_000);
});
