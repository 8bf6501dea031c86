import { describe, expect, it } from 'vitest';
import { commandsOf, runTasks } from './helpers/harness.js';

describe('pure tasks', () => {
  it('set replaces the data with the evaluated value', () => {
    const run = runTasks(
      `
      - a: {set: {x: '\${ .n + 1 }', kept: literal}}
      - b: {set: '\${ {y: .x} }'}
    `,
      { input: { n: 1 } },
    );
    expect(run.execution.output).toEqual({ y: 2 });
    expect(commandsOf(run)).toEqual([{ type: 'CompleteExecution', output: { y: 2 } }]);
  });

  it('switch takes the first matching case, a case without when is the default', () => {
    const doc = `
      - pick:
          switch:
            - big: {when: '.n > 10', then: large}
            - other: {then: small}
      - small: {set: {size: small}, then: end}
      - large: {set: {size: large}}
    `;
    expect(runTasks(doc, { input: { n: 11 } }).execution.output).toEqual({ size: 'large' });
    expect(runTasks(doc, { input: { n: 1 } }).execution.output).toEqual({ size: 'small' });
  });

  it('switch without a matching case continues with the next task and keeps the data', () => {
    const run = runTasks(
      `
      - pick:
          switch:
            - big: {when: '.n > 10', then: end}
      - next: {set: {seen: '\${ .n }'}}
    `,
      { input: { n: 1 } },
    );
    expect(run.execution.output).toEqual({ seen: 1 });
  });

  it('skips a task whose if is false and passes its input on', () => {
    const run = runTasks(
      `
      - a: {set: {x: 1}, if: '.go'}
    `,
      { input: { go: false } },
    );
    expect(run.execution.output).toEqual({ go: false });
  });

  it('then: exit leaves the enclosing do, then: end ends the workflow', () => {
    const run = runTasks(`
      - outer:
          do:
            - a: {set: {step: a}, then: exit}
            - b: {set: {step: b}}
      - c: {set: {step: c, before: '\${ .step }'}}
    `);
    expect(run.execution.output).toEqual({ step: 'c', before: 'a' });
    const ended = runTasks(`
      - outer:
          do:
            - a: {set: {step: a}, then: end}
      - c: {set: {step: c}}
    `);
    expect(ended.execution.output).toEqual({ step: 'a' });
  });

  it('then goto loops until a condition sends the flow elsewhere', () => {
    const run = runTasks(
      `
      - inc: {set: {n: '\${ .n + 1 }'}}
      - check:
          switch:
            - again: {when: '.n < 3', then: inc}
            - done: {then: end}
    `,
      { input: { n: 0 } },
    );
    expect(run.execution.output).toEqual({ n: 3 });
  });

  it('raise faults with the error, instance defaulting to the task pointer', () => {
    const run = runTasks(
      `
      - fail:
          raise:
            error:
              type: https://example.com/errors/bad
              status: 400
              title: Bad
              detail: '\${ "n is " + (.n | tostring) }'
    `,
      { input: { n: 5 } },
    );
    expect(run.execution.status).toBe('faulted');
    expect(run.execution.error).toEqual({
      type: 'https://example.com/errors/bad',
      status: 400,
      title: 'Bad',
      detail: 'n is 5',
      instance: '/do/0/fail',
    });
    expect(commandsOf(run)).toEqual([{ type: 'FaultExecution', error: run.execution.error }]);
  });

  it('a jq runtime error is the expression error naming the task', () => {
    const run = runTasks(`
      - bad: {set: {x: '\${ .a.b.c + 1 | error("boom") }'}}
    `);
    expect(run.execution.error).toMatchObject({
      type: 'https://serverlessworkflow.io/spec/1.0.0/errors/expression',
      status: 400,
      instance: '/do/0/bad',
    });
  });

  it('an expression that does not compile raises the expression error when evaluated', () => {
    const run = runTasks(`
      - bad: {set: {x: '\${ .[ }'}}
    `);
    expect(run.execution.error).toMatchObject({ status: 400, instance: '/do/0/bad' });
    expect(run.execution.error?.title).toContain('does not compile');
  });
});

describe('for', () => {
  it('chains iterations, binds each/at, output is the last iteration (CTK for.feature)', () => {
    const run = runTasks(
      `
      - loopColors:
          for: {each: color, in: '.colors'}
          do:
            - markProcessed:
                set:
                  processed: '\${ { colors: (.processed.colors + [ $color ]), indexes: (.processed.indexes + [ $index ])} }'
    `,
      { input: { colors: ['red', 'green', 'blue'] } },
    );
    expect(run.execution.output).toEqual({
      processed: { colors: ['red', 'green', 'blue'], indexes: [0, 1, 2] },
    });
  });

  it('checks while before each iteration with the loop variables in scope', () => {
    const run = runTasks(
      `
      - loop:
          for: {in: '.xs'}
          while: '$item < 3'
          do:
            - add: {set: {sum: '\${ .sum + $item }', xs: '\${ .xs }'}}
    `,
      { input: { xs: [1, 2, 3, 4], sum: 0 } },
    );
    expect(run.execution.output).toEqual({ sum: 3, xs: [1, 2, 3, 4] });
  });

  it('an empty collection outputs the input', () => {
    const run = runTasks(
      `
      - loop:
          for: {in: '.xs'}
          do:
            - a: {set: {changed: true}}
    `,
      { input: { xs: [] } },
    );
    expect(run.execution.output).toEqual({ xs: [] });
  });

  it('weft: for without in counts while while holds', () => {
    const run = runTasks(
      `
      - count:
          for: {at: i}
          while: '$i < 4'
          do:
            - add: {set: {seen: '\${ .seen + [$i] }'}}
    `,
      { input: { seen: [] } },
    );
    expect(run.execution.output).toEqual({ seen: [0, 1, 2, 3] });
  });

  it('weft: then: break leaves the loop with the data of the task that broke', () => {
    const run = runTasks(
      `
      - loop:
          for: {in: '.xs'}
          do:
            - add: {set: {sum: '\${ .sum + $item }', xs: '\${ .xs }'}}
            - stop:
                switch:
                  - enough: {when: '.sum >= 3', then: break}
      - after: {set: {final: '\${ .sum }'}}
    `,
      { input: { xs: [1, 2, 3, 4], sum: 0 } },
    );
    expect(run.execution.output).toEqual({ final: 3 });
  });

  it('then: exit ends only the current iteration', () => {
    const run = runTasks(
      `
      - loop:
          for: {in: '.xs'}
          do:
            - add: {set: {n: '\${ .n + 1 }', xs: '\${ .xs }'}, then: exit}
            - never: {set: {never: true}}
    `,
      { input: { xs: [1, 2], n: 0 } },
    );
    expect(run.execution.output).toEqual({ n: 2, xs: [1, 2] });
  });

  it('a for.in that is not a collection faults with a clear error', () => {
    const run = runTasks(
      `
      - loop:
          for: {in: '.n'}
          do:
            - a: {set: {}}
    `,
      { input: { n: 3 } },
    );
    expect(run.execution.error).toMatchObject({
      instance: '/do/0/loop',
      detail: 'for.in must give an array, got 3',
    });
  });
});

describe('trace', () => {
  it('reports pure tasks as they start and end, in run order (CTK run-order steps)', () => {
    const seen: string[] = [];
    runTasks(
      `
      - setRed: {set: {colors: '\${ .colors + ["red"] }'}, then: setGreen}
      - setBlue: {set: {colors: '\${ .colors + ["blue"] }'}, then: end}
      - setGreen: {set: {colors: '\${ .colors + ["green"] }'}, then: setBlue}
      - skipped: {set: {}, if: 'false'}
    `,
      { ctx: { trace: (t) => seen.push(`${t.phase} ${t.name}`) } },
    );
    expect(seen).toEqual([
      'started setRed',
      'completed setRed',
      'started setGreen',
      'completed setGreen',
      'started setBlue',
      'completed setBlue',
    ]);
  });

  it('the switch task own then applies when no case matches (CTK implicit default)', () => {
    const run = runTasks(
      `
      - switchColor:
          switch:
            - red: {when: '.color == "red"', then: setRed}
          then: end
      - setRed: {set: {colors: [red]}}
    `,
      { input: { color: 'yellow' } },
    );
    expect(run.execution.output).toEqual({ color: 'yellow' });
  });
});
