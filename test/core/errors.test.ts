import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/core/commands.js';
import { backoff } from '../../src/core/tasks/retry.js';
import { commandsOf, golden, runTasks, tasks } from './helpers/harness.js';

const COMM = 'https://serverlessworkflow.io/spec/1.0.0/errors/communication';
const fail404 = () => ({ error: { type: COMM, status: 404, title: 'Not Found' } });
const timers = (cmds: Command[]) => cmds.flatMap((c) => (c.type === 'ScheduleTimer' ? [c] : []));

describe('try / catch', () => {
  it('catches a filtered error with the older type spelling and runs catch.do with the error variable (CTK try.feature)', () => {
    const run = runTasks(
      `
      - tryGetPet:
          try:
            - getPet: {call: http, with: {method: get, endpoint: {uri: 'https://petstore.swagger.io/v2/pet/getPetByName/{petName}'}}}
          catch:
            errors:
              with: {type: https://serverlessworkflow.io/dsl/errors/types/communication, status: 404}
            as: err
            do:
              - setError: {set: {error: '\${ $err }'}}
    `,
      { input: { petName: 'Milou' }, respond: fail404 },
    );
    expect(run.execution.output).toEqual({
      error: {
        type: COMM,
        status: 404,
        title: 'Not Found',
        instance: '/do/0/tryGetPet/try/0/getPet',
      },
    });
  });

  it('lets an error the filter does not match fault the workflow', () => {
    const run = runTasks(
      `
      - t:
          try:
            - getPet: {call: http, with: {method: get, endpoint: 'http://x'}}
          catch:
            errors: {with: {status: 503}}
    `,
      { respond: fail404 },
    );
    expect(run.execution.status).toBe('faulted');
    expect(run.execution.error?.status).toBe(404);
  });

  it('applies when and exceptWhen to the error ($error by default); without do the output is the input', () => {
    const doc = `
      - t:
          try:
            - r: {raise: {error: {type: 'https://example.com/e', status: 400, title: '\${ .title }'}}}
          catch:
            when: '$error.status == 400'
            exceptWhen: '$error.title == "fatal"'
    `;
    expect(runTasks(doc, { input: { title: 'soft' } }).execution.output).toEqual({ title: 'soft' });
    expect(runTasks(doc, { input: { title: 'fatal' } }).execution.status).toBe('faulted');
  });

  it('retries with a durable timer and constant, linear and exponential backoff', () => {
    expect([1, 2, 3].map((n) => backoff('constant', 100, n))).toEqual([100, 100, 100]);
    expect([1, 2, 3].map((n) => backoff('linear', 100, n))).toEqual([100, 200, 300]);
    expect([1, 2, 3, 4].map((n) => backoff('exponential', 100, n))).toEqual([100, 200, 400, 800]);
    const ir = tasks(`
      - t:
          try:
            - c: {call: flaky}
          catch:
            retry:
              delay: {seconds: 1}
              backoff: {exponential: {}}
              limit: {attempt: {count: 4}}
    `);
    const run = golden('retry-exponential', ir, { respond: fail404 });
    const cmds = commandsOf(run);
    // count: 4 attempts in all (the first included), so 3 retries waiting 1s, 2s, 4s.
    expect(cmds.filter((c) => c.type === 'ScheduleCall')).toHaveLength(4);
    const t = timers(cmds);
    expect(t.map((x) => x.purpose)).toEqual(['retry', 'retry', 'retry']);
    const started = run.history.filter((e) => e.type === 'TimerStarted').map((e) => e.time);
    expect(t.map((x, i) => x.fireAt - started[i]!)).toEqual([1000, 2000, 4000]);
    expect(cmds.filter((c) => c.type === 'ScheduleCall').map((c) => 'key' in c && c.key)).toEqual([
      'ex1//do/0/t/try/0/c/0',
      'ex1//do/0/t/try/0/c/r1',
      'ex1//do/0/t/try/0/c/r2',
      'ex1//do/0/t/try/0/c/r3',
    ]);
    // Exhausted: the last error propagates.
    expect(run.execution.error).toMatchObject({ status: 404, instance: '/do/0/t/try/0/c' });
  });

  it('adds jitter drawn from the seeded PRNG: same seed, same delays', () => {
    const doc = `
      - t:
          try:
            - c: {call: flaky}
          catch:
            retry: {delay: {seconds: 1}, backoff: {linear: {}}, jitter: {from: {milliseconds: 0}, to: {milliseconds: 500}}, limit: {attempt: {count: 3}}}
    `;
    const delays = (seed: string) => {
      const run = runTasks(doc, { seed, respond: fail404 });
      const started = run.history.filter((e) => e.type === 'TimerStarted').map((e) => e.time);
      return timers(commandsOf(run)).map((x, i) => x.fireAt - started[i]!);
    };
    const a = delays('s1');
    expect(a).toEqual(delays('s1'));
    expect(a).toHaveLength(2);
    expect(a[0]).toBeGreaterThanOrEqual(1000);
    expect(a[0]).toBeLessThanOrEqual(1500);
    expect(a[1]).toBeGreaterThanOrEqual(2000);
    expect(a[1]).toBeLessThanOrEqual(2500);
    expect(delays('s2')).not.toEqual(a);
  });

  it('succeeds when a retry succeeds, and stops retrying past limit.duration', () => {
    let calls = 0;
    const run = runTasks(
      `
      - t:
          try:
            - c: {call: flaky}
          catch:
            retry: {delay: {seconds: 1}, limit: {attempt: {count: 5}}}
    `,
      { respond: () => (++calls < 3 ? fail404() : { result: 'ok' }) },
    );
    expect(run.execution.output).toBe('ok');
    const limited = runTasks(
      `
      - t:
          try:
            - c: {call: flaky}
          catch:
            retry: {delay: {seconds: 10}, limit: {duration: {seconds: 15}}}
    `,
      { respond: fail404 },
    );
    expect(timers(commandsOf(limited))).toHaveLength(1);
    expect(limited.execution.status).toBe('faulted');
  });

  it('uses a retry policy from use.retries and only retries what retry.when accepts', () => {
    const run = runTasks(
      `
      - t:
          try:
            - c: {call: flaky}
          catch:
            retry: onlyServerErrors
            do:
              - handled: {set: {handled: '\${ $error.status }'}}
    `,
      { respond: fail404 },
      `use:
  retries:
    onlyServerErrors: {delay: {seconds: 1}, when: '$error.status >= 500', limit: {attempt: {count: 3}}}
`,
    );
    expect(timers(commandsOf(run))).toEqual([]);
    expect(run.execution.output).toEqual({ handled: 404 });
  });
});

describe('retry limits', () => {
  it('limit.attempt.duration times out one attempt (408), which the catch may retry', () => {
    let calls = 0;
    const run = runTasks(
      `
      - t:
          try:
            - c: {call: slowThenFast}
          catch:
            errors: {with: {status: 408}}
            retry: {delay: {seconds: 1}, limit: {attempt: {count: 2, duration: PT2S}}}
    `,
      { respond: () => (++calls === 1 ? 'hang' : { result: 'fast' }) },
    );
    const cmds = commandsOf(run);
    expect(timers(cmds).map((t) => t.purpose)).toEqual(['timeout', 'retry', 'timeout']);
    expect(cmds).toContainEqual({ type: 'CancelEffect', effectId: 0 });
    expect(run.execution.output).toBe('fast');
  });
});

describe('try.finally (weft)', () => {
  it('runs after the try, discards its output and applies its exports', () => {
    const run = runTasks(`
      - t:
          try:
            - a: {set: {a: 1}}
          finally:
            - cleanup: {set: {ignored: true}, export: {as: '{cleaned: true}'}}
      - after: {set: {a: '\${ .a }', ctx: '\${ $context }'}}
    `);
    expect(run.execution.output).toEqual({ a: 1, ctx: { cleaned: true } });
  });

  it('runs after an uncaught error, which still faults the task', () => {
    const run = runTasks(`
      - t:
          try:
            - r: {raise: {error: {type: 'https://example.com/e', status: 500}}}
          finally:
            - note: {call: audit}
    `);
    expect(
      commandsOf(run).some(
        (c) => c.type === 'ScheduleCall' && c.taskId === '/do/0/t/finally/0/note',
      ),
    ).toBe(true);
    expect(run.execution.error?.instance).toBe('/do/0/t/try/0/r');
  });

  it('an error inside finally faults the task', () => {
    const run = runTasks(`
      - t:
          try:
            - a: {set: {}}
          finally:
            - r: {raise: {error: {type: 'https://example.com/f', status: 500}}}
    `);
    expect(run.execution.error?.instance).toBe('/do/0/t/finally/0/r');
  });

  it('an error inside finally replaces the error in flight from the try', () => {
    const run = runTasks(`
      - t:
          try:
            - first: {raise: {error: {type: 'https://example.com/try', status: 400}}}
          finally:
            - second: {raise: {error: {type: 'https://example.com/finally', status: 500}}}
    `);
    expect(run.execution.error).toEqual({
      type: 'https://example.com/finally',
      status: 500,
      instance: '/do/0/t/finally/0/second',
    });
  });
});
