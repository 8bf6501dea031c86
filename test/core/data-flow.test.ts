import { describe, expect, it } from 'vitest';
import type { ValidateSchema } from '../../src/core/index.js';
import { golden, runTasks, T0, tasks } from './helpers/harness.js';

describe('data flow', () => {
  it('filters a task input with input.from (CTK data-flow.feature)', () => {
    const run = runTasks(
      `
      - setPlayerId:
          input: {from: .user.claims.subject}
          set: {playerId: '\${ . }'}
    `,
      { input: { user: { claims: { subject: '6AsnRgGEB0q2O7ux9JXFAw' } } } },
    );
    expect(run.execution.output).toEqual({ playerId: '6AsnRgGEB0q2O7ux9JXFAw' });
  });

  it('output.as sees the raw output as . and $input as the task input (CTK non-object output)', () => {
    let n = 0;
    const run = runTasks(
      `
      - getPetById1: {call: http, with: {method: get, endpoint: {uri: 'https://petstore.swagger.io/v2/pet/{petId}'}}, output: {as: .id}}
      - getPetById2: {call: http, with: {method: get, endpoint: {uri: 'https://petstore.swagger.io/v2/pet/2'}}, output: {as: '{ ids: [ $input, .id ] }'}}
    `,
      { input: { petId: 1 }, respond: () => ({ result: { id: ++n } }) },
    );
    expect(run.execution.output).toEqual({ ids: [1, 2] });
  });

  it('export.as replaces $context ($context starts as {}), with $output in scope', () => {
    const run = runTasks(`
      - first: {set: {v: 1}, export: {as: '$context + {seen: [$output.v], start: $context}'}}
      - second: {set: {v: 2}, export: {as: '$context + {seen: ($context.seen + [$output.v])}'}}
      - read: {set: '\${ $context }'}
    `);
    expect(run.execution.output).toEqual({ seen: [1, 2], start: {} });
  });

  it('gives $workflow, $task and $runtime their descriptors and $secrets from the context', () => {
    const ir = tasks(`
      - describe:
          set:
            workflow: '\${ $workflow | {id, input, startedAt, name: .definition.document.name} }'
            task: '\${ $task | {name, reference, input, startedAt, hasSet: (.definition | has("set"))} }'
            runtime: '\${ $runtime }'
            secret: '\${ $secrets.apiKey }'
            input: '\${ $input }'
    `);
    const run = golden('data-flow-variables', ir, {
      input: { x: 1 },
      ctx: { runtime: { name: 'weft', version: '0.1.0' }, secrets: { apiKey: 's3cr3t' } },
    });
    const startedAt = {
      iso8601: '2026-01-01T00:00:00.000Z',
      epoch: { seconds: T0 / 1000, milliseconds: T0 },
    };
    expect(run.execution.output).toEqual({
      workflow: { id: 'ex1', input: { x: 1 }, startedAt, name: 't' },
      task: {
        name: 'describe',
        reference: '/do/0/describe',
        input: { x: 1 },
        startedAt,
        hasSet: true,
      },
      runtime: { name: 'weft', version: '0.1.0' },
      secret: 's3cr3t',
      input: { x: 1 },
    });
    // Secrets stay out of the history unless a task puts them in its output.
    expect(JSON.stringify(run.history.filter((e) => e.type !== 'ExecutionStarted'))).not.toContain(
      's3cr3t',
    );
  });

  it('applies the workflow input.from and output.as; $workflow.input is the raw input', () => {
    const run = runTasks(
      `
      - a: {set: {inner: '\${ . }', raw: '\${ $workflow.input }'}}
    `,
      { input: { payload: { n: 1 }, noise: true } },
      `input: {from: .payload}
output: {as: '{result: .inner.n, raw: .raw.noise}'}
`,
    );
    expect(run.execution.output).toEqual({ result: 1, raw: true });
  });

  it('validates input, output and export schemas with the validateSchema it is given (400 validation error)', () => {
    const validateSchema: ValidateSchema = (schema, value) =>
      (schema as { type?: string }).type === 'object' &&
      (value === null || typeof value !== 'object')
        ? [`expected an object, got ${JSON.stringify(value)}`]
        : null;
    const ctx = { validateSchema };
    const head = `input:
  schema: {format: json, document: {type: object}}
`;
    const bad = runTasks(
      `
      - a: {set: {}}
    `,
      { input: 5 as never, ctx },
      head,
    );
    expect(bad.execution.error).toEqual({
      type: 'https://serverlessworkflow.io/spec/1.0.0/errors/validation',
      status: 400,
      title: 'Invalid workflow input',
      detail: 'expected an object, got 5',
      instance: '/',
    });
    const out = runTasks(
      `
      - a: {set: '\${ 1 }', output: {schema: {document: {type: object}}}}
    `,
      { ctx },
    );
    expect(out.execution.error).toMatchObject({ title: 'Invalid output', instance: '/do/0/a' });
    const exp = runTasks(
      `
      - a: {set: {}, export: {as: '1', schema: {document: {type: object}}}}
    `,
      { ctx },
    );
    expect(exp.execution.error).toMatchObject({ title: 'Invalid export', instance: '/do/0/a' });
    expect(
      runTasks(
        `
      - a: {set: {}}
    `,
        { input: {}, ctx },
        head,
      ).execution.status,
    ).toBe('completed');
  });

  it('checks the workflow output.schema on the output after output.as (steps 10 and 11)', () => {
    const validateSchema: ValidateSchema = (schema, value) =>
      (schema as { type?: string }).type === 'object' &&
      (value === null || typeof value !== 'object')
        ? [`expected an object, got ${JSON.stringify(value)}`]
        : null;
    const doc = `
      - a: {set: {n: 1}}
    `;
    const head = (as: string) =>
      `output:\n  as: '${as}'\n  schema: {format: json, document: {type: object}}\n`;
    const bad = runTasks(doc, { ctx: { validateSchema } }, head('.n'));
    expect(bad.execution.error).toEqual({
      type: 'https://serverlessworkflow.io/spec/1.0.0/errors/validation',
      status: 400,
      title: 'Invalid workflow output',
      detail: 'expected an object, got 1',
      instance: '/',
    });
    const good = runTasks(doc, { ctx: { validateSchema } }, head('{m: .n}'));
    expect(good.execution.output).toEqual({ m: 1 });
  });

  it('evaluates the task if on the transformed input, after input.from (the spec table)', () => {
    const doc = `
      - a: {if: '.go and $input == .', input: {from: .inner}, set: {got: '\${ .n }'}}
    `;
    const run = runTasks(doc, { input: { go: false, inner: { go: true, n: 7 } } });
    expect(run.execution.output).toEqual({ got: 7 });
    // Skipped: the raw input passes on unchanged.
    const skipped = runTasks(doc, { input: { go: true, inner: { go: false, n: 7 } } });
    expect(skipped.execution.output).toEqual({ go: true, inner: { go: false, n: 7 } });
  });
});
