// DSL `use.extensions` (not weft's own extensions, which docs/extensions.md lists).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { compileWorkflow } from '../../src/dsl/compile.js';
import { commandsOf, runTasks, simulate } from './helpers/harness.js';

describe('use.extensions', () => {
  it('a before list that exits bypasses the extended task (the specification mock example)', () => {
    const text = readFileSync(
      new URL(
        '../../../shared/serverless-workflow/examples/mock-service-extension.yaml',
        import.meta.url,
      ),
      'utf8',
    )
      // The example's `when` applies startswith to `.with.endpoint` first, which jq
      // rejects for an object endpoint: use the string form so that the first clause holds.
      .replace(
        /endpoint:\s*\n\s*uri: https:\/\/fake.com\/sample/,
        'endpoint: https://mocked.service.com/sample',
      );
    const run = simulate(compileWorkflow(parse(text)));
    expect(commandsOf(run).filter((c) => c.type === 'ScheduleCall')).toEqual([]);
    expect(run.execution.output).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'application/json' },
      content: { foo: { bar: 'baz' } },
    });
  });

  it('runs before and after lists around every matching task, with $task the extended task', () => {
    const run = runTasks(
      `
      - a: {set: {v: 1}}
      - b: {wait: PT1S}
    `,
      {},
      `use:
  extensions:
    - logging:
        extend: all
        before:
          - log: {call: log, with: {message: '\${ "before " + $task.reference }'}}
        after:
          - log: {call: log, with: {message: '\${ "after " + $task.reference }', output: '\${ . }'}}
`,
    );
    const calls = commandsOf(run).flatMap((c) => (c.type === 'ScheduleCall' ? [c] : []));
    expect(calls.map((c) => (c.args as { message: string }).message)).toEqual([
      'before /do/0/a',
      'after /do/0/a',
      'before /do/1/b',
      'after /do/1/b',
    ]);
    expect(calls.map((c) => c.taskId)).toEqual([
      '/do/0/a/use/extensions/0/logging/before/0/log',
      '/do/0/a/use/extensions/0/logging/after/0/log',
      '/do/1/b/use/extensions/0/logging/before/0/log',
      '/do/1/b/use/extensions/0/logging/after/0/log',
    ]);
    expect((calls[1]?.args as { output: unknown }).output).toEqual({ v: 1 });
    // The outputs of before/after lists do not replace the data.
    expect(run.execution.output).toEqual({ v: 1 });
  });

  it('applies only to the kind it extends, and only when its when holds', () => {
    const run = runTasks(
      `
      - a: {set: {go: false}}
      - b: {call: f}
      - c: {set: {go: true}}
      - d: {call: g}
    `,
      {},
      `use:
  extensions:
    - onlyCalls:
        extend: call
        when: .go
        before:
          - note: {call: note}
`,
    );
    expect(commandsOf(run).flatMap((c) => (c.type === 'ScheduleCall' ? [c.call] : []))).toEqual([
      'f',
      'note',
      'g',
    ]);
  });
});
