// Expression-only fields take jq with or without `${ }` (docs/dsl.md "Data flow"): each
// field is run both ways and must give the same, expected, result. A field that took a
// bare string as a literal would give another output (or a compile error).
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/history/events.js';
import type { Respond } from './helpers/harness.js';
import { commandsOf, runTasks } from './helpers/harness.js';

const fail503: Respond = () => ({ error: { type: 'https://example.com/down', status: 503 } });

interface Case {
  field: string;
  /** The task list; E is replaced by the expression, bare or wrapped. */
  doc: string;
  expr: string;
  input?: Json;
  respond?: Respond;
  output: Json;
}

const cases: Case[] = [
  {
    field: 'if',
    doc: `- a: {if: E, set: {ran: true}}`,
    expr: '.go',
    input: { go: true },
    output: { ran: true },
  },
  {
    field: 'switch case when',
    doc: `- s:\n    switch:\n      - big: {when: E, then: yes}\n      - other: {then: end}\n- yes: {set: {big: true}}`,
    expr: '.n > 5',
    input: { n: 9 },
    output: { big: true },
  },
  {
    field: 'for.in',
    doc: `- l:\n    for: {in: E}\n    do:\n      - acc: {set: '\${ {sum: ((.sum // 0) + $item)} }'}`,
    expr: '.xs',
    input: { xs: [1, 2] },
    output: { sum: 3 },
  },
  {
    field: 'for.while',
    doc: `- l:\n    for: {in: '\${ [1, 2, 3, 4] }'}\n    while: E\n    do:\n      - acc: {set: '\${ {n: (.n + 1)} }'}`,
    expr: '.n < 2',
    input: { n: 0 },
    output: { n: 2 },
  },
  {
    field: 'input.from',
    doc: `- a: {input: {from: E}, set: '\${ . }'}`,
    expr: '.inner',
    input: { inner: 7 },
    output: 7,
  },
  {
    field: 'output.as',
    doc: `- a: {set: {v: 3}, output: {as: E}}`,
    expr: '.v + 1',
    output: 4,
  },
  {
    field: 'export.as',
    doc: `- a: {set: {v: 3}, export: {as: E}}\n- b: {set: '\${ $context }'}`,
    expr: '{saved: .v}',
    output: { saved: 3 },
  },
  {
    field: 'catch.when',
    doc: `- t:\n    try:\n      - c: {call: f}\n    catch:\n      when: E\n      do:\n        - h: {set: {handled: true}}`,
    expr: '$error.status == 503',
    respond: fail503,
    output: { handled: true },
  },
  {
    field: 'catch.exceptWhen',
    doc: `- t:\n    try:\n      - c: {call: f}\n    catch:\n      exceptWhen: E\n      do:\n        - h: {set: {handled: true}}`,
    expr: '$error.status == 404',
    respond: fail503,
    output: { handled: true },
  },
  {
    field: 'catch.retry.when',
    doc: `- t:\n    try:\n      - c: {call: f}\n    catch:\n      retry: {delay: {seconds: 1}, when: E, limit: {attempt: {count: 2}}}\n      do:\n        - h: {set: {handled: true}}`,
    expr: '$error.status == 404',
    respond: fail503,
    // retry.when is false: no retry, the catch's do runs at once.
    output: { handled: true },
  },
  {
    field: 'workflow input.from',
    doc: `- a: {set: '\${ . }'}`,
    expr: '.payload',
    input: { payload: { x: 1 } },
    output: { x: 1 },
  },
];

const wrap = (e: string) => `'\${ ${e} }'`;
const bare = (e: string) => `'${e}'`;

describe('expression-only fields accept jq with or without ${ }', () => {
  for (const c of cases) {
    it(`evaluates ${c.field} written bare and written as \${ }`, () => {
      const outputs = [bare, wrap].map((w) => {
        const workflowInput = c.field === 'workflow input.from';
        const doc = workflowInput ? c.doc : c.doc.replace('E', w(c.expr));
        const head = workflowInput ? `input:\n  from: ${w(c.expr)}\n` : '';
        const run = runTasks(
          doc,
          { input: c.input ?? {}, ...(c.respond ? { respond: c.respond } : {}) },
          head,
        );
        expect(run.execution.error).toBeUndefined();
        return run.execution.output;
      });
      expect(outputs[0]).toEqual(c.output);
      expect(outputs[1]).toEqual(c.output);
    });
  }

  it('evaluates cache.key written bare and written as ${ }', () => {
    const keys = [bare, wrap].map((w) => {
      const run = runTasks(`- c: {call: f, cache: {key: ${w('.id')}, ttl: PT1M}}`, {
        input: { id: 'k1' },
      });
      const call = commandsOf(run).find((x) => x.type === 'ScheduleCall');
      return call && 'cache' in call ? call.cache?.key : undefined;
    });
    expect(keys).toEqual(['k1', 'k1']);
  });
});
