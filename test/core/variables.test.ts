// One test per runtime expression variable, each checking its exact value where the
// spec's data flow makes it available (docs/dsl.md "Data flow").
import { describe, expect, it } from 'vitest';
import { T0, runTasks } from './helpers/harness.js';

const startedAt = (ms: number) => ({
  iso8601: new Date(ms).toISOString(),
  epoch: { seconds: Math.floor(ms / 1000), milliseconds: ms },
});

describe('runtime expression variables', () => {
  it('$context starts as {} and is replaced (not merged) by each export.as', () => {
    const run = runTasks(`
      - a: {set: {v: 1}, export: {as: '\${ {first: $context} }'}}
      - b: {set: {v: 2}, export: {as: '\${ {second: .v} }'}}
      - c: {set: '\${ $context }'}
    `);
    expect(run.execution.output).toEqual({ second: 2 });
    const first = runTasks(`- a: {set: '\${ $context }'}`);
    expect(first.execution.output).toEqual({});
  });

  it('$input is the transformed task input in the task, output.as and export.as', () => {
    const run = runTasks(
      `
      - a:
          input: {from: .inner}
          set: {in: '\${ $input }'}
          output: {as: '\${ . + {out: $input} }'}
          export: {as: '\${ {exp: $input} }'}
      - b: {set: '\${ {prev: ., ctx: $context} }'}
    `,
      { input: { inner: { n: 1 }, noise: 0 } },
    );
    expect(run.execution.output).toEqual({
      prev: { in: { n: 1 }, out: { n: 1 } },
      ctx: { exp: { n: 1 } },
    });
  });

  it('$output is the transformed output in export.as', () => {
    const run = runTasks(`
      - a: {set: {v: 1}, output: {as: '\${ {w: (.v + 1)} }'}, export: {as: '\${ {o: $output} }'}}
      - b: {set: '\${ $context }'}
    `);
    expect(run.execution.output).toEqual({ o: { w: 2 } });
  });

  it('$workflow is {id, definition, input (raw), startedAt}', () => {
    const run = runTasks(
      `- a: {set: '\${ $workflow | {id, input, startedAt, doc: .definition.document, first: .definition.do[0].a.set} }'}`,
      { input: { raw: true } },
      `input: {from: '\${ {shaped: true} }'}\n`,
    );
    expect(run.execution.output).toEqual({
      id: 'ex1',
      input: { raw: true },
      startedAt: startedAt(T0),
      doc: { dsl: '1.0.0', namespace: 'test', name: 't', version: '1.0.0' },
      first:
        '${ $workflow | {id, input, startedAt, doc: .definition.document, first: .definition.do[0].a.set} }',
    });
  });

  it('$task is {name, reference, definition, input (raw), output (raw, in output.as), startedAt}', () => {
    const run = runTasks(
      `
      - first: {wait: PT2S}
      - named:
          input: {from: '\${ {shaped: true} }'}
          set: {v: 1}
          output: {as: '\${ $task }'}
    `,
      { input: { raw: 1 } },
    );
    expect(run.execution.output).toEqual({
      name: 'named',
      reference: '/do/1/named',
      definition: {
        input: { from: '${ {shaped: true} }' },
        set: { v: 1 },
        output: { as: '${ $task }' },
      },
      input: { raw: 1 },
      output: { v: 1 },
      startedAt: startedAt(T0 + 2000),
    });
  });

  it('$runtime is the {name, version} the engine passes in, and null without one', () => {
    const doc = `- a: {set: '\${ {r: $runtime} }'}`;
    const run = runTasks(doc, { ctx: { runtime: { name: 'weft', version: '9.9.9' } } });
    expect(run.execution.output).toEqual({ r: { name: 'weft', version: '9.9.9' } });
    expect(runTasks(doc).execution.output).toEqual({ r: null });
  });

  it('$secrets is the map the engine passes in, {} without one', () => {
    const doc = `- a: {input: {from: '\${ {k: $secrets.key, all: $secrets} }'}, set: '\${ . }'}`;
    const run = runTasks(doc, { ctx: { secrets: { key: 'v1' } } });
    expect(run.execution.output).toEqual({ k: 'v1', all: { key: 'v1' } });
    expect(runTasks(doc).execution.output).toEqual({ k: null, all: {} });
  });

  it('for binds $item and $index, or the each/at names, in while and in the body', () => {
    const run = runTasks(`
      - l1:
          for: {in: '\${ ["a", "b"] }'}
          do:
            - s: {set: '\${ . + [{item: $item, index: $index}] }'}
          input: {from: '\${ [] }'}
      - l2:
          for: {in: '\${ {x: 10, y: 20} }', each: v, at: i}
          while: '$i < 1'
          do:
            - s: {set: '\${ . + [[$v, $i]] }'}
    `);
    expect(run.execution.output).toEqual([
      { item: 'a', index: 0 },
      { item: 'b', index: 1 },
      [10, 0],
    ]);
  });

  it('catch binds the error as $error, or the as name, to the exact problem raised', () => {
    const run = runTasks(
      `
      - t:
          try:
            - r:
                raise:
                  error: {type: 'https://example.com/e', status: 418, title: Teapot, detail: '\${ "n=" + (.n | tostring) }'}
          catch:
            as: oops
            do:
              - h: {set: '\${ {oops: $oops} }'}
    `,
      { input: { n: 3 } },
    );
    expect(run.execution.output).toEqual({
      oops: {
        type: 'https://example.com/e',
        status: 418,
        title: 'Teapot',
        detail: 'n=3',
        instance: '/do/0/t/try/0/r',
      },
    });
    const plain = runTasks(`
      - t:
          try:
            - r: {raise: {error: {type: 'https://example.com/e', status: 400}}}
          catch:
            do:
              - h: {set: '\${ $error }'}
    `);
    expect(plain.execution.output).toEqual({
      type: 'https://example.com/e',
      status: 400,
      instance: '/do/0/t/try/0/r',
    });
  });
});
