// A cancel that arrives while a fiber runs its finally block waits for the block to end:
// the cleanup effects are not cancelled and the rest of the block runs (scheduler.ts,
// "shielded"). Calls answer 10 ms after they are scheduled (harness.ts).
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/core/commands.js';
import type { Respond } from './helpers/harness.js';
import { commandsOf, runTasks } from './helpers/harness.js';

const show = (cmds: Command[]) =>
  cmds.map((c) => `${c.type}${'taskId' in c ? ' ' + c.taskId.split('/').pop() : ''}`);

// `work` faults; every other call succeeds.
const workFails: Respond = (c) =>
  c.type === 'ScheduleCall' && c.taskId.endsWith('/work')
    ? { error: { type: 'https://example.com/boom', status: 500 } }
    : { result: { from: c.taskId } };

describe('cancelling a fiber that runs its finally block', () => {
  it('lets the cleanup call finish and the rest of the block run before the execution is cancelled', () => {
    // work faults at 10 ms, release runs 10-20 ms, the cancel arrives at 15 ms.
    const run = runTasks(
      `
      - guarded:
          try:
            - work: {call: f}
          finally:
            - release: {call: release}
            - audit: {call: audit}
    `,
      { cancelAt: 15, respond: workFails },
    );
    expect(run.execution.status).toBe('cancelled');
    expect(show(commandsOf(run))).toEqual([
      'ScheduleCall work',
      'ScheduleCall release',
      'ScheduleCall audit',
      'CancelExecution',
    ]);
  });

  it('holds a task timeout until the finally block ends, then raises the timeout', () => {
    // `work` faults at 10 ms; the finally block waits 20 s; the task timeout (15 s) fires
    // during that wait, and is raised (and caught outside) only once the block ended.
    const run = runTasks(
      `
      - outer:
          try:
            - guarded:
                timeout: {after: PT15S}
                try:
                  - work: {call: f}
                finally:
                  - release: {wait: PT20S}
                  - audit: {call: audit}
          catch:
            as: e
            do:
              - report: {set: '\${ {caught: $e.status} }'}
    `,
      { respond: workFails },
    );
    expect(run.execution.status).toBe('completed');
    expect(run.execution.output).toEqual({ caught: 408 });
    expect(show(commandsOf(run))).toEqual([
      'ScheduleCall work',
      'ScheduleTimer guarded',
      'ScheduleTimer release',
      'ScheduleCall audit',
      'CompleteExecution',
    ]);
  });

  it('still cancels effects of the try list itself, outside the finally block', () => {
    const run = runTasks(
      `
      - guarded:
          try:
            - slow: {wait: PT1H}
          finally:
            - release: {call: release}
    `,
      { cancelAt: 5 },
    );
    expect(run.execution.status).toBe('cancelled');
    expect(show(commandsOf(run))).toEqual([
      'ScheduleTimer slow',
      'CancelEffect',
      'ScheduleCall release',
      'CancelExecution',
    ]);
  });

  it('reports the cancellation, not the error of a finally block that faults after the cancel', () => {
    const run = runTasks(
      `
      - guarded:
          try:
            - work: {call: f}
          finally:
            - release: {call: release}
            - broken: {raise: {error: {type: 'https://example.com/cleanup', status: 500}}}
    `,
      { cancelAt: 15, respond: workFails },
    );
    expect(run.execution.status).toBe('cancelled');
    expect(run.execution.error).toBeUndefined();
  });
});
