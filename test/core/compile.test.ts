import { describe, expect, it } from 'vitest';
import { compileWorkflow } from '../../src/dsl/compile.js';
import type { CallIR, ForIR, RaiseIR, TaskIR, TryIR, WaitIR } from '../../src/dsl/ir.js';
import { durationToMs } from '../../src/dsl/compile-duration.js';
import { tasks } from './helpers/harness.js';

function find(list: TaskIR[], name: string): TaskIR {
  const t = list.find((x) => x.name === name);
  if (!t) throw new Error(`no task ${name}`);
  return t;
}

describe('compile', () => {
  it('gives every task the JSON pointer of its object in the document', () => {
    const ir = tasks(`
      - check:
          for: {in: '.items'}
          do:
            - a: {set: {x: 1}}
            - x: {wait: PT1S}
      - guarded:
          try:
            - inner: {set: {}}
          catch:
            do:
              - handle: {set: {}}
          finally:
            - cleanup: {set: {}}
      - both:
          fork:
            branches:
              - left: {set: {}}
    `);
    const check = find(ir.do.tasks, 'check') as ForIR;
    expect(check.id).toBe('/do/0/check');
    expect(check.do.tasks.map((t) => t.id)).toEqual(['/do/0/check/do/0/a', '/do/0/check/do/1/x']);
    const guarded = find(ir.do.tasks, 'guarded') as TryIR;
    expect(guarded.try.tasks[0]?.id).toBe('/do/1/guarded/try/0/inner');
    expect(guarded.catch?.do?.tasks[0]?.id).toBe('/do/1/guarded/catch/do/0/handle');
    expect(guarded.finally?.tasks[0]?.id).toBe('/do/1/guarded/finally/0/cleanup');
    const both = find(ir.do.tasks, 'both');
    expect(both.kind === 'fork' && both.branches.tasks[0]?.id).toBe(
      '/do/2/both/fork/branches/0/left',
    );
    expect(ir.diagnostics).toEqual([]);
  });

  it('escapes / and ~ in task names as JSON pointers do', () => {
    const ir = tasks(`
      - 'a/b~c': {set: {}}
    `);
    expect(ir.do.tasks[0]?.id).toBe('/do/0/a~1b~0c');
  });

  it('resolves then targets to indexes and keeps directives', () => {
    const ir = tasks(`
      - a: {set: {}, then: c}
      - b: {set: {}, then: end}
      - c: {set: {}, then: exit}
      - d: {set: {}}
    `);
    expect(ir.do.tasks.map((t) => t.then)).toEqual([
      { kind: 'goto', index: 2, name: 'c' },
      { kind: 'end' },
      { kind: 'exit' },
      { kind: 'continue' },
    ]);
  });

  it('reports a then target that does not exist, naming the task', () => {
    const ir = tasks(`
      - a: {set: {}, then: nowhere}
    `);
    expect(ir.diagnostics).toEqual([
      { path: '/do/0/a/then', message: "then target 'nowhere' is not a task of this list" },
    ]);
  });

  it('reports then: break outside a for', () => {
    const ir = tasks(`
      - a: {set: {}, then: break}
    `);
    expect(ir.diagnostics[0]?.message).toContain('only allowed inside a for');
  });

  it('resolves use.errors, use.retries, use.timeouts, use.authentications and use.functions inline', () => {
    const ir = tasks(
      `
      - r:
          raise: {error: notFound}
      - t:
          timeout: short
          try:
            - c:
                call: http
                with:
                  method: get
                  endpoint: {uri: 'http://x', authentication: {use: token}}
          catch: {retry: thrice}
      - f:
          call: greet
          with: {name: 'x'}
    `,
      `use:
  errors:
    notFound: {type: 'https://example.com/not-found', status: 404}
  retries:
    thrice: {delay: {seconds: 1}, backoff: {linear: {}}, limit: {attempt: {count: 3}}}
  timeouts:
    short: {after: PT5S}
  authentications:
    token: {bearer: {token: abc}}
  functions:
    greet:
      set: {greeting: '\${ "hello " + .name }'}
`,
    );
    const r = ir.do.tasks[0] as RaiseIR;
    expect(r.error.type).toEqual({ t: 'lit', value: 'https://example.com/not-found' });
    expect(r.error.status).toEqual({ t: 'lit', value: 404 });
    const t = ir.do.tasks[1] as TryIR;
    expect(t.timeout).toEqual({ ms: 5000 });
    expect(t.catch?.retry).toMatchObject({
      delay: { ms: 1000 },
      backoff: 'linear',
      attemptCount: 3,
    });
    const c = t.try.tasks[0] as CallIR;
    expect(c.args).toEqual({
      t: 'lit',
      value: {
        method: 'get',
        endpoint: { uri: 'http://x', authentication: { bearer: { token: 'abc' } } },
      },
    });
    const f = ir.do.tasks[2] as CallIR;
    expect(f.function?.kind).toBe('set');
    expect(f.function?.id).toBe('/do/2/f/call');
    expect(ir.diagnostics).toEqual([]);
  });

  it('reports references that use does not define', () => {
    const ir = tasks(`
      - r: {raise: {error: missing}}
      - t: {set: {}, timeout: missing}
    `);
    expect(ir.diagnostics.map((d) => d.path)).toEqual(['/do/0/r/raise/error', '/do/1/t/timeout']);
  });

  it('compiles templates so that values without expressions are one literal', () => {
    const ir = tasks(`
      - a:
          set:
            plain: {deep: [1, 2, {x: y}]}
            computed: '\${ .n }'
    `);
    const a = ir.do.tasks[0];
    expect(a?.kind === 'set' && a.value).toEqual({
      t: 'obj',
      entries: [
        ['plain', { t: 'lit', value: { deep: [1, 2, { x: 'y' }] } }],
        ['computed', { t: 'expr', expr: expect.objectContaining({ text: '.n' }) }],
      ],
    });
  });

  it('accepts expression-only fields with or without ${ }', () => {
    const ir = tasks(`
      - a: {set: {}, if: '\${ .go }'}
      - b: {set: {}, if: .go}
    `);
    expect(ir.do.tasks.map((t) => t.if?.text)).toEqual(['.go', '.go']);
  });

  it('normalizes durations to milliseconds', () => {
    expect(durationToMs('PT1M30S')).toBe(90_000);
    expect(durationToMs('P1DT2H')).toBe(93_600_000);
    expect(durationToMs('PT0.5S')).toBe(500);
    expect(durationToMs({ days: 1, hours: 1, minutes: 1, seconds: 1, milliseconds: 1 })).toBe(
      90_061_001,
    );
    expect(durationToMs('P1M')).toMatch(/not an ISO 8601 duration/);
    expect(durationToMs({ fortnights: 1 })).toBe("unknown duration unit 'fortnights'");
    const ir = tasks(`
      - a: {wait: {minutes: 2}}
      - b: {wait: '\${ .d }'}
    `);
    expect((ir.do.tasks[0] as WaitIR).duration).toEqual({ ms: 120_000 });
    expect((ir.do.tasks[1] as WaitIR).duration).toEqual({
      expr: expect.objectContaining({ text: '.d' }),
    });
  });

  it('records an expression that does not compile as a diagnostic instead of throwing', () => {
    const ir = tasks(`
      - a: {set: {x: '\${ .[ }'}}
    `);
    expect(ir.diagnostics[0]?.path).toBe('/do/0/a/set/x');
  });

  it('does not crash on shapes the validator would reject', () => {
    for (const doc of [null, {}, { do: 'x' }, { do: [null, { a: null }, { b: { unknown: 1 } }] }]) {
      const ir = compileWorkflow(doc);
      expect(Array.isArray(ir.diagnostics)).toBe(true);
    }
  });
});
