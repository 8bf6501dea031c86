import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/core/commands.js';
import { commandsOf, golden, runTasks, tasks } from './helpers/harness.js';

const types = (cmds: Command[]) =>
  cmds
    .filter((c) => c.type !== 'CompleteExecution')
    .map((c) => `${c.type}:${'effectId' in c ? c.effectId : ''}:${'taskId' in c ? c.taskId : ''}`);

// Calls answer after a delay taken from their args: {ms}.
const byArgs = (c: Command) => {
  const args = c.type === 'ScheduleCall' ? (c.args as { ms?: number; fail?: boolean }) : {};
  if (args.fail) return { error: { type: 'https://example.com/boom', status: 500 } };
  return { result: { from: c.type === 'ScheduleCall' ? c.taskId : '' } };
};

describe('fork', () => {
  it('schedules the branches together and outputs their outputs in branch order', () => {
    const ir = tasks(`
      - both:
          fork:
            branches:
              - left: {call: f, with: {side: left}}
              - right: {call: f, with: {side: right}}
    `);
    const run = golden('fork-all', ir, { respond: byArgs });
    const steps = run.steps;
    // Both calls are scheduled by the very first activation: they are in flight together.
    expect(steps[0]?.map((c) => c.type)).toEqual(['ScheduleCall', 'ScheduleCall']);
    expect(run.execution.output).toEqual([
      { from: '/do/0/both/fork/branches/0/left' },
      { from: '/do/0/both/fork/branches/1/right' },
    ]);
  });

  it('a failing branch faults the fork and cancels the others', () => {
    const run = runTasks(
      `
      - both:
          fork:
            branches:
              - slow: {wait: PT1H}
              - bad: {call: f, with: {fail: true}}
    `,
      { respond: byArgs },
    );
    expect(run.execution.error).toMatchObject({
      type: 'https://example.com/boom',
      instance: '/do/0/both/fork/branches/1/bad',
    });
    expect(types(commandsOf(run))).toContain('CancelEffect:0:');
  });

  it('compete: the first branch to complete wins, the others are cancelled', () => {
    const ir = tasks(`
      - race:
          fork:
            compete: true
            branches:
              - slow: {wait: PT1H}
              - fast: {wait: PT1S, output: {as: '"fast"'}}
    `);
    const run = golden('fork-compete', ir);
    expect(run.execution.output).toBe('fast');
    expect(types(commandsOf(run))).toEqual([
      'ScheduleTimer:0:/do/0/race/fork/branches/0/slow',
      'ScheduleTimer:1:/do/0/race/fork/branches/1/fast',
      'CancelEffect:0:',
    ]);
  });

  it('weft quorum: completes when N branches completed, outputs those in branch order', () => {
    const ir = tasks(`
      - vote:
          fork:
            quorum: 2
            branches:
              - a: {wait: PT3S, output: {as: '"a"'}}
              - b: {wait: PT1H, output: {as: '"b"'}}
              - c: {wait: PT2S, output: {as: '"c"'}}
    `);
    const run = golden('fork-quorum', ir);
    expect(run.execution.output).toEqual(['a', 'c']);
    expect(types(commandsOf(run)).at(-1)).toBe('CancelEffect:1:');
  });

  it('weft quorum tolerates failures while the quorum can still be reached', () => {
    const run = runTasks(
      `
      - vote:
          fork:
            quorum: 1
            branches:
              - bad: {call: f, with: {fail: true}}
              - good: {wait: PT1S, output: {as: '"good"'}}
    `,
      { respond: byArgs },
    );
    expect(run.execution.output).toEqual(['good']);
  });

  it('weft quorum faults with the first failure once N can no longer be reached, cancelling the rest', () => {
    const run = runTasks(
      `
      - vote:
          fork:
            quorum: 2
            branches:
              - bad: {call: f, with: {fail: true}}
              - worse: {call: f, with: {fail: true}}
              - slow: {wait: PT1H}
    `,
      { respond: byArgs },
    );
    expect(run.execution.error).toMatchObject({
      type: 'https://example.com/boom',
      instance: '/do/0/vote/fork/branches/0/bad',
    });
    expect(types(commandsOf(run))).toContain('CancelEffect:2:');
  });
});

describe('for.concurrency (weft)', () => {
  it('keeps up to N iterations in flight and outputs iteration outputs in item order', () => {
    const ir = tasks(`
      - each:
          for: {in: '.xs', concurrency: 2}
          do:
            - work: {call: f, with: {x: '\${ $item }'}, output: {as: '$item * 10'}}
    `);
    const run = golden('for-concurrency', ir, { input: { xs: [1, 2, 3] } });
    expect(run.steps[0]?.map((c) => c.type === 'ScheduleCall' && c.args)).toEqual([
      { x: 1 },
      { x: 2 },
    ]);
    expect(run.execution.output).toEqual([10, 20, 30]);
  });

  it('each iteration gets the task input', () => {
    const run = runTasks(
      `
      - each:
          for: {in: '.xs', concurrency: 3}
          do:
            - add: {set: '\${ .base + $item }'}
    `,
      { input: { xs: [1, 2], base: 100 } },
    );
    expect(run.execution.output).toEqual([101, 102]);
  });

  it('a failing iteration faults the loop and cancels the iterations in flight', () => {
    const run = runTasks(
      `
      - each:
          for: {in: '.xs', concurrency: 2}
          do:
            - work: {call: f, with: {fail: '\${ $item == 2 }'}}
            - pause: {wait: PT1H}
    `,
      { input: { xs: [1, 2, 3] }, respond: byArgs },
    );
    expect(run.execution.status).toBe('faulted');
    const cmds = commandsOf(run);
    const timers = cmds.filter((c) => c.type === 'ScheduleTimer');
    expect(timers).toHaveLength(1);
    expect(cmds).toContainEqual({ type: 'CancelEffect', effectId: timers[0]!.effectId });
    expect(cmds.filter((c) => c.type === 'ScheduleCall')).toHaveLength(2);
  });
});
