// weft extension `limits`: validation (positions, messages, --strict), compilation to
// LimitsIR, and what a start computes from it (runtime/durable/admission.ts).
import { describe, expect, it } from 'vitest';
import { loadWorkflows } from '../../src/dsl/index.js';
import { compileWorkflow } from '../../src/dsl/compile.js';
import { admissionOf, checkNamespaceLimits } from '../../src/runtime/durable/admission.js';
import { ProblemError } from '../../src/runtime/problems.js';

const HEADER = `document:
  dsl: '1.0.3'
  namespace: shop
  name: order
  version: '1.0.0'
do:
  - a:
      set:
        x: 1
`;

function messages(body: string, strict = false): string[] {
  return loadWorkflows(HEADER + body, { strict }).diagnostics.map(
    (d) => `${d.line}:${d.col} ${d.message}`,
  );
}

function ir(body: string) {
  const { documents, diagnostics } = loadWorkflows(HEADER + body);
  expect(diagnostics).toEqual([]);
  return compileWorkflow(documents[0]!.value);
}

const ref = { namespace: 'shop', name: 'order', version: '1.0.0' };

const good = `limits:
  priority: 5
  concurrency:
    - limit: 10
    - key: '\${ .customerId }'
      limit: 2
  rate:
    - key: .customerId
      limit: 100
      period: PT1M
    - key: .customerId
      limit: 5
      period: {seconds: 1}
`;

describe('limits: validation', () => {
  it('accepts the documented shape', () => {
    expect(messages(good)).toEqual([]);
  });

  it('is a weft extension: rejected by --strict at its position', () => {
    expect(messages(good, true)).toEqual([
      "10:1 'limits' is a weft extension; not allowed with --strict",
    ]);
  });

  it('reports each mistake at its line:col with a message naming the field', () => {
    const found = messages(`limits:
  priority: high
  concurrency:
    - key: .a
    - key: .a | (
      limit: 0
    - limit: 3
      kee: .b
  rate:
    - key: .c
      limit: 1
      period: '\${ .p }'
    - key: .c
      limit: 1
      period: P1Y
    - limit: 2
      period: PT0S
`);
    expect(found).toEqual([
      "11:3 'limits.priority' must be an integer, got 'high'",
      "13:7 missing required property 'limit' in 'limits.concurrency[0]'",
      expect.stringMatching(/^14:7 'limits.concurrency\[1\].key' is not a valid jq expression/),
      "15:7 'limits.concurrency[1].limit' must be at least 1, got 0",
      expect.stringMatching(
        /^17:7 unknown property 'kee' in 'limits.concurrency\[2\]'; did you mean 'key'\?/,
      ),
      "21:7 'limits.rate[0].period' must be a literal duration like PT1M, not an expression",
      expect.stringMatching(/^24:7 'limits.rate\[1\].period': 'P1Y' is not an ISO 8601 duration/),
      "26:7 'limits.rate[2].period' must be longer than 0, got 'PT0S'",
    ]);
  });

  it('refuses a key variable other than $input, and the same key twice', () => {
    expect(
      messages(`limits:
  concurrency:
    - key: $context.x
      limit: 1
    - key: .a
      limit: 1
    - key: .a
      limit: 2
`),
    ).toEqual([
      expect.stringMatching(
        /^12:7 'limits.concurrency\[0\].key' is not a valid jq expression: .*\$context/,
      ),
      "16:7 'limits.concurrency[2]' has the same key as 'limits.concurrency[1]'; keep one",
    ]);
  });
});

describe('limits: compile and admission', () => {
  it('compiles to LimitsIR with periods in milliseconds', () => {
    const limits = ir(good).limits!;
    expect(limits.priority).toBe(5);
    expect(limits.concurrency.map((c) => [c.path, c.key?.text, c.limit])).toEqual([
      ['/limits/concurrency/0', undefined, 10],
      ['/limits/concurrency/1', '.customerId', 2],
    ]);
    expect(limits.rate.map((r) => [r.key?.text, r.limit, r.periodMs])).toEqual([
      ['.customerId', 100, 60_000],
      ['.customerId', 5, 1000],
    ]);
  });

  it('scopes keys by workflow and namespace; the start priority overrides the default', () => {
    const w = ir(good);
    expect(admissionOf(w, ref, { customerId: 'c1' }, { namespaceLimits: { shop: 20 } })).toEqual({
      priority: 5,
      concurrency: [
        { key: 'wf:shop/order', limit: 10 },
        { key: 'wf:shop/order:"c1"', limit: 2 },
        { key: 'ns:shop', limit: 20 },
      ],
      rate: [
        { key: 'wf:shop/order:"c1"/60000ms', limit: 100, periodMs: 60_000 },
        { key: 'wf:shop/order:"c1"/1000ms', limit: 5, periodMs: 1000 },
      ],
    });
    expect(admissionOf(w, ref, { customerId: 7 }, { priority: -1 })).toMatchObject({
      priority: -1,
      concurrency: [{ key: 'wf:shop/order' }, { key: 'wf:shop/order:7' }],
    });
    expect(admissionOf(ir(''), ref, {})).toEqual({ priority: 0, concurrency: [], rate: [] });
  });

  it('keeps the lowest limit when two entries yield the same key', () => {
    const w = ir(`limits:
  concurrency:
    - key: .a
      limit: 3
    - key: .b
      limit: 1
`);
    expect(admissionOf(w, ref, { a: 'x', b: 'x' }).concurrency).toEqual([
      { key: 'wf:shop/order:"x"', limit: 1 },
    ]);
  });

  it('is a 422 naming the field when a key fails or is not a scalar', () => {
    const w = ir(`limits:
  concurrency:
    - key: .customer.id
      limit: 1
`);
    const cases: [unknown, RegExp][] = [
      [
        {},
        /limit key '\.customer\.id' at \/limits\/concurrency\/0\/key must yield a string, number or boolean, got null/,
      ],
      [{ customer: { id: [1] } }, /got a list/],
      [{ customer: 'text' }, /failed: .*/],
    ];
    for (const [input, message] of cases) {
      let error: unknown;
      try {
        admissionOf(w, ref, input as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ProblemError);
      const p = (error as ProblemError).problem;
      expect(p).toMatchObject({
        status: 422,
        title: 'Invalid limit key',
        field: '/limits/concurrency/0/key',
      });
      expect(p.detail).toMatch(message);
      expect(p.detail).toMatch(/^workflow shop\/order:1\.0\.0: /);
    }
  });

  it('refuses a namespace limit that is not a positive integer', () => {
    expect(() => checkNamespaceLimits({ shop: 0 })).toThrow(
      /namespaceLimits.shop must be a positive integer, got 0/,
    );
    expect(checkNamespaceLimits({ shop: 3 })).toEqual({ shop: 3 });
  });
});
