// The single-value fast paths (src/jq/chains.ts, nodes.ts compareWithConstant, mapF
// with select) must give jq's answers on the shapes they do not specialise: mixed
// types, null, errors, flipped literals, and they must keep the step budget.
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/jq/index.js';
import type { Json } from '../../../src/jq/api.js';
import { jq, jqError } from './helpers.js';

describe('jq fast paths', () => {
  it('reads field chains of every unrolled length and beyond', () => {
    const doc = { a: { b: { c: { d: { e: 5 } } } } };
    expect(jq('.a | keys', doc)).toEqual([['b']]);
    expect(jq('.a.b.c.d.e, .a.b.c.d, .a.b.x, .x.y.z.w, .x.y.z.w.v', doc)).toEqual([
      5,
      { e: 5 },
      null,
      null,
      null,
    ]);
  });

  it('reads inherited names such as constructor as missing in a chain', () => {
    expect(jq('.constructor, .a.toString, .a.b.hasOwnProperty', { a: { b: {} } })).toEqual([
      null,
      null,
      null,
    ]);
  });

  it('fails a chain that reaches a non-object, naming the type and the field', () => {
    expect(jqError('.a.b', { a: 'text' })?.message).toBe('Cannot index string with string ("b")');
    expect(jqError('.a.b.c', { a: { b: [1] } })?.message).toBe(
      'Cannot index array with string ("c")',
    );
    expect(jqError('.qty > 2', 7)?.message).toBe('Cannot index number with string ("qty")');
  });

  it('compares a field with a literal in jq order for every type', () => {
    const items: Json[] = [
      { q: 3 },
      { q: '1' },
      { q: null },
      { q: [0] },
      { q: 2 },
      {},
      { q: true },
    ];
    expect(jq('map(.q > 2)', items)).toEqual([[true, true, false, true, false, false, false]]);
    expect(jq('map(2 < .q)', items)).toEqual(jq('map(.q > 2)', items));
    expect(jq('map(.q >= 2), map(2 >= .q)', items)).toEqual([
      [true, true, false, true, true, false, false],
      [false, false, true, false, true, true, true],
    ]);
    expect(jq('map(.q == 2), map("1" != .q)', items)).toEqual([
      [false, false, false, false, true, false, false],
      [true, false, true, true, true, true, true],
    ]);
  });

  it('keeps the items map(select(...)) selects, from arrays and objects', () => {
    const items: Json[] = [{ q: 3 }, { q: 1 }, { q: 5, t: 'x' }];
    expect(jq('map(select(.q > 2))', items)).toEqual([[{ q: 3 }, { q: 5, t: 'x' }]]);
    expect(jq('map(select(.t == "x"))', items)).toEqual([[{ q: 5, t: 'x' }]]);
    expect(jq('map(select(.q > 2 and .q < 4))', items)).toEqual([[{ q: 3 }]]);
    expect(jq('map(select(.q > 2)) | length', { a: { q: 4 }, b: { q: 0 } })).toEqual([1]);
    expect(jqError('map(select(.q > 2))', [1])?.message).toBe(
      'Cannot index number with string ("q")',
    );
  });

  it('ends a map over a large input with a limit error when the loop crosses the budget', () => {
    const c = compile('map(select(. > 1))', { limits: { maxSteps: 1000 } });
    if (!c.ok) throw new Error('does not compile');
    const big = Array.from({ length: 5000 }, (_, i) => i);
    expect(() => c.program.first(big)).toThrow(/sandbox limit exceeded: more than 1000/);
    expect(c.program.first(big.slice(0, 10))).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('binds every declared variable the expression references, however it is written', () => {
    const vars = { a: 1, b: 2, c: 3, unused: 4 };
    expect(jq('[$a, {$b}, "\\($c)", (. as $z | $z)]', 9, vars)).toEqual([[1, { b: 2 }, '3', 9]]);
    expect(jq('$c + $a', null, vars)).toEqual([4]);
    const c = compile('$nope', { variables: ['a'] });
    expect(c.ok ? 'compiled' : c.diagnostics[0]?.message).toBe('$nope is not defined');
  });
});
