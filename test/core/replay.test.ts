import { describe, expect, it } from 'vitest';
import { DeterminismError, Execution, replay } from '../../src/core/index.js';
import type { HistoryEvent } from '../../src/history/events.js';
import { commandsOf, golden, runTasks, simulate, tasks } from './helpers/harness.js';

const ctx = { executionId: 'ex1' };

describe('replay', () => {
  const ir = tasks(`
    - a: {call: first}
    - b:
        fork:
          branches:
            - x: {call: second}
            - y: {wait: PT1M}
    - c: {set: {done: true}}
  `);

  it('rebuilds the state from a recorded history and returns only the work not yet recorded', () => {
    const full = simulate(ir);
    expect(full.execution.output).toEqual({ done: true });
    // Cut the history right after `a` completed and the fork's effects were recorded as started.
    const cut = full.history.findIndex((e) => e.type === 'TimerStarted');
    const partial = full.history.slice(0, cut);
    const { execution, commands } = replay(ir, ctx, partial);
    expect(execution.status).toBe('running');
    // ScheduleCall for x was recorded (TaskStarted) so only the timer is new work.
    expect(commands).toEqual([
      {
        type: 'ScheduleTimer',
        effectId: 2,
        taskId: '/do/1/b/fork/branches/1/y',
        purpose: 'wait',
        fireAt: full.history[0]!.time + 10 + 60_000,
      },
    ]);
    const done = replay(ir, ctx, full.history);
    expect(done.execution.status).toBe('completed');
    expect(done.commands).toEqual([{ type: 'CompleteExecution', output: { done: true } }]);
  });

  it('returns nothing new for a history that already records the end', () => {
    const full = simulate(ir);
    const ended: HistoryEvent[] = [
      ...full.history,
      { v: 1, time: 0, type: 'ExecutionCompleted', output: { done: true } },
    ];
    expect(replay(ir, ctx, ended).commands).toEqual([]);
  });

  it('returns a CancelEffect for a recorded effect whose cancellation was not recorded', () => {
    const race = tasks(`
      - r:
          fork:
            compete: true
            branches:
              - slow: {wait: PT1H}
              - fast: {wait: PT1S}
    `);
    const full = simulate(race);
    const fired = full.history.findIndex((e) => e.type === 'TimerFired');
    const { commands } = replay(race, ctx, full.history.slice(0, fired + 1));
    expect(commands).toEqual([
      { type: 'CancelEffect', effectId: 0 },
      { type: 'CompleteExecution', output: {} },
    ]);
  });

  it('throws DeterminismError naming the effect, the recorded task and the scheduled one', () => {
    const full = simulate(ir);
    const changed = tasks(`
      - a: {call: first}
      - b:
          fork:
            branches:
              - z: {call: other}
              - y: {wait: PT1M}
      - c: {set: {done: true}}
    `);
    expect(() => replay(changed, ctx, full.history)).toThrow(DeterminismError);
    expect(() => replay(changed, ctx, full.history)).toThrow(
      'effect 1: history records task /do/1/b/fork/branches/0/x (call), but the workflow scheduled task /do/1/b/fork/branches/0/z (call)',
    );
  });

  it('throws DeterminismError when the history records an effect the workflow does not schedule', () => {
    const full = simulate(ir);
    const shorter = tasks(`
      - a: {set: {}}
    `);
    expect(() => replay(shorter, ctx, full.history)).toThrow(
      /effect 0: history records TaskStarted for task \/do\/0\/a \(call\), but the workflow scheduled no effect 0/,
    );
  });

  it('throws DeterminismError when an outcome does not fit the kind of effect it answers', () => {
    const full = simulate(ir);
    const execution = new Execution(ir, ctx);
    execution.apply(full.history.slice(0, 1));
    expect(() => execution.apply([{ v: 1, time: 0, type: 'TimerFired', effectId: 0 }])).toThrow(
      'effect 0: history records TimerFired, but the workflow scheduled task /do/0/a (call)',
    );
  });

  it('refuses a history that does not start with ExecutionStarted', () => {
    expect(() =>
      new Execution(ir, ctx).apply([{ v: 1, time: 0, type: 'TimerFired', effectId: 0 }]),
    ).toThrow('the first history event must be ExecutionStarted, got TimerFired');
  });

  it('ignores outcomes of effects nobody waits for (already settled or cancelled)', () => {
    const full = simulate(ir);
    const execution = new Execution(ir, ctx);
    execution.apply(full.history);
    expect(
      execution.apply([{ v: 1, time: 0, type: 'TaskCompleted', effectId: 0, result: 'late' }]),
    ).toEqual([]);
    expect(execution.output).toEqual({ done: true });
  });
});

describe('cancellation', () => {
  it('cancels in-flight effects, runs try.finally blocks, then acknowledges with CancelExecution', () => {
    const ir = tasks(`
      - guarded:
          try:
            - both:
                fork:
                  branches:
                    - a: {call: slow}
                    - b: {wait: PT1H}
          finally:
            - release: {call: release}
      - never: {call: never}
    `);
    const run = golden('cancel', ir, {
      cancelAt: 5,
      respond: (c) =>
        c.type === 'ScheduleCall' && c.call === 'slow' ? 'hang' : { result: 'released' },
    });
    expect(run.execution.status).toBe('cancelled');
    const cmds = commandsOf(run);
    expect(cmds.map((c) => `${c.type}${'effectId' in c ? c.effectId : ''}`)).toEqual([
      'ScheduleCall0',
      'ScheduleTimer1',
      'CancelEffect0',
      'CancelEffect1',
      'ScheduleCall2',
      'CancelExecution',
    ]);
    expect(cmds[4]).toMatchObject({ taskId: '/do/0/guarded/finally/0/release' });
    expect(cmds.at(-1)).toEqual({ type: 'CancelExecution', reason: 'test' });
  });

  it('a cancel request after the end changes nothing', () => {
    const run = runTasks(`
      - a: {set: {}}
    `);
    expect(run.execution.apply([{ v: 1, time: 0, type: 'ExecutionCancelRequested' }])).toEqual([]);
    expect(run.execution.status).toBe('completed');
  });
});

describe('limits', () => {
  it('a pure infinite loop ends with an error instead of hanging', () => {
    const run = runTasks(
      `
      - spin: {set: {}}
      - again: {set: {}, then: spin}
    `,
      { ctx: { limits: { maxStepsPerActivation: 50 } } },
    );
    expect(run.execution.error).toMatchObject({ title: 'Step limit exceeded', status: 500 });
  });

  it('counts steps per activation: a loop that waits on effects may run long', () => {
    const run = runTasks(
      `
      - loop:
          for: {in: '[range(30)]'}
          do:
            - c: {call: f}
    `,
      { ctx: { limits: { maxStepsPerActivation: 10 } } },
    );
    expect(run.execution.status).toBe('completed');
  });

  it('stops an execution that schedules more effects than maxEffects', () => {
    const run = runTasks(
      `
      - loop:
          for: {in: '[range(10)]'}
          do:
            - c: {call: f}
    `,
      { ctx: { limits: { maxEffects: 3 } } },
    );
    expect(run.execution.error).toMatchObject({ title: 'Effect limit exceeded' });
    expect(commandsOf(run).filter((c) => c.type === 'ScheduleCall')).toHaveLength(3);
  });

  it('rejects a task output larger than maxPayloadChars', () => {
    const run = runTasks(
      `
      - big: {set: {s: '\${ [range(100)] | map(tostring) | join(",") }'}}
    `,
      { ctx: { limits: { maxPayloadChars: 50 } } },
    );
    expect(run.execution.error).toMatchObject({
      title: 'Payload too large',
      instance: '/do/0/big',
    });
  });
});
