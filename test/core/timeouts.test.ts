// Task and workflow timeouts: the body races a durable timer (src/core/timeout.ts); the
// timeout error (408) can be caught by try. Split out of errors.test.ts.
import { describe, expect, it } from 'vitest';
import { commandsOf, golden, runTasks, T0, tasks } from './helpers/harness.js';

describe('timeouts', () => {
  it('a task timeout cancels the in-flight effect and raises the timeout error, which try can catch', () => {
    const ir = tasks(`
      - guard:
          try:
            - slow: {call: slow, timeout: {after: PT5S}}
          catch:
            errors: {with: {type: https://serverlessworkflow.io/spec/1.0.0/errors/timeout}}
            do:
              - fallback: {set: {timedOut: '\${ $error.status }'}}
    `);
    const run = golden('task-timeout', ir, { respond: () => 'hang' });
    expect(commandsOf(run).filter((c) => c.type !== 'CompleteExecution')).toEqual([
      {
        type: 'ScheduleCall',
        effectId: 0,
        taskId: '/do/0/guard/try/0/slow',
        key: 'ex1//do/0/guard/try/0/slow/0',
        call: 'slow',
        args: {},
        input: {},
      },
      {
        type: 'ScheduleTimer',
        effectId: 1,
        taskId: '/do/0/guard/try/0/slow',
        purpose: 'timeout',
        fireAt: T0 + 5000,
      },
      { type: 'CancelEffect', effectId: 0 },
    ]);
    expect(run.execution.output).toEqual({ timedOut: 408 });
  });

  it('a task that finishes first cancels its timeout timer', () => {
    const run = runTasks(`
      - quick: {call: quick, timeout: {after: PT5S}}
    `);
    expect(commandsOf(run).map((c) => c.type)).toEqual([
      'ScheduleCall',
      'ScheduleTimer',
      'CancelEffect',
      'CompleteExecution',
    ]);
    expect(commandsOf(run)[2]).toEqual({ type: 'CancelEffect', effectId: 1 });
  });

  it('a pure task with a timeout schedules no timer', () => {
    const run = runTasks(`
      - quick: {set: {a: 1}, timeout: {after: PT5S}}
    `);
    expect(commandsOf(run).map((c) => c.type)).toEqual(['CompleteExecution']);
  });

  it('the workflow timeout faults the execution with the timeout error', () => {
    const run = runTasks(
      `
      - slow: {wait: PT1H}
    `,
      {},
      `timeout: {after: {minutes: 1}}
`,
    );
    expect(run.execution.error).toMatchObject({
      type: 'https://serverlessworkflow.io/spec/1.0.0/errors/timeout',
      status: 408,
      instance: '/',
    });
    expect(
      commandsOf(run).find((c) => c.type === 'ScheduleTimer' && c.purpose === 'workflow-timeout'),
    ).toBeDefined();
  });
});
