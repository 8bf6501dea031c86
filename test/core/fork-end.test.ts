// `then: end` inside concurrent work (fork branches, for.concurrency iterations) ends the
// execution at once: the other branches are cancelled, their finally blocks run, and the
// output is the data of the branch that ended (docs/dsl.md "Flow directives").
import { describe, expect, it } from 'vitest';
import { commandsOf, runTasks } from './helpers/harness.js';

describe('then: end inside a fork branch', () => {
  it('ends the execution with the branch data and cancels the branch still waiting', () => {
    const run = runTasks(`
      - both:
          fork:
            branches:
              - slow: {wait: PT1H}
              - quick:
                  set: {done: quick}
                  then: end
      - after: {set: {after: true}}
    `);
    expect(run.execution.status).toBe('completed');
    expect(run.execution.output).toEqual({ done: 'quick' });
    const cmds = commandsOf(run).map((c) => c.type);
    expect(cmds).toEqual(['ScheduleTimer', 'CancelEffect', 'CompleteExecution']);
  });

  it('runs the finally block of a cancelled branch before the execution completes', () => {
    const run = runTasks(`
      - both:
          fork:
            branches:
              - guarded:
                  try:
                    - slow: {wait: PT1H}
                  finally:
                    - cleanup: {call: release}
              - quick:
                  wait: PT1S
                  then: end
    `);
    expect(run.execution.status).toBe('completed');
    const cmds = commandsOf(run).map((c) => `${c.type}${'taskId' in c ? ' ' + c.taskId : ''}`);
    expect(cmds.indexOf('ScheduleCall /do/0/both/fork/branches/0/guarded/finally/0/cleanup')).toBe(
      cmds.indexOf('CancelEffect') + 1,
    );
    expect(cmds[cmds.length - 1]).toBe('CompleteExecution');
  });

  it("applies the fork's own output.as to the ending branch's data", () => {
    const run = runTasks(`
      - both:
          fork:
            branches:
              - slow: {wait: PT1H}
              - quick:
                  set: {n: 1}
                  then: end
          output: {as: '.n + 1'}
      - after: {set: {after: true}}
    `);
    expect(run.execution.output).toBe(2);
  });

  it('ends a parallel for at the iteration that ends, cancelling the running ones', () => {
    const run = runTasks(`
      - each:
          for: {in: '\${ [1, 2] }', concurrency: 2}
          do:
            - pick:
                switch:
                  - first: {when: '$item == 1', then: waitLong}
                  - other: {then: end}
            - waitLong: {wait: PT1H}
      - after: {set: {after: true}}
    `);
    expect(run.execution.status).toBe('completed');
    expect(run.execution.output).toEqual({});
    expect(commandsOf(run).map((c) => c.type)).toEqual([
      'ScheduleTimer',
      'CancelEffect',
      'CompleteExecution',
    ]);
  });
});
