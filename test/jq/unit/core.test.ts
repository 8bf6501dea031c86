import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/jq/index.js';
import { jq, jqError } from './helpers.js';

describe('jq core language', () => {
  it('reads fields, indexes and slices', () => {
    const doc = { a: { b: [1, 2, 3] }, 'x y': 4 };
    expect(jq('.a.b[1], .a.b[-1], ."x y", .a["b"][0], .a.b[1:], .missing', doc)).toEqual([
      2,
      3,
      4,
      1,
      [2, 3],
      null,
    ]);
  });

  it('iterates, pipes and collects', () => {
    expect(jq('[.[] | . * 2]', [1, 2, 3])).toEqual([[2, 4, 6]]);
    expect(jq('.[]', { a: 1, b: 2 })).toEqual([1, 2]);
    expect(jq('1, 2 | . + 10')).toEqual([11, 12]);
  });

  it('builds objects with every key form', () => {
    expect(jq('{a, $x, "k": 1, (.n): 2, "i\\(.n)": 3}', { a: 0, n: 'z' }, { x: 9 })).toEqual([
      { a: 0, x: 9, k: 1, z: 2, iz: 3 },
    ]);
    expect(jq('{a: (1, 2), b: (3, 4)}')).toEqual([
      { a: 1, b: 3 },
      { a: 1, b: 4 },
      { a: 2, b: 3 },
      { a: 2, b: 4 },
    ]);
  });

  it('follows jq arithmetic and its errors', () => {
    expect(jq('[(1,2) + (10,20)]')).toEqual([[11, 12, 21, 22]]);
    expect(jq('"ab" * 2, {a:{b:1}} * {a:{c:2}}, [1,2,1] - [1], 7 % 3, "a,b" / ","')).toEqual([
      'abab',
      { a: { b: 1, c: 2 } },
      [2],
      1,
      ['a', 'b'],
    ]);
    expect(jqError('null + 1 | . - "a"')?.message).toBe(
      'number (1) and string ("a") cannot be subtracted',
    );
    expect(jqError('1 / 0')?.message).toBe(
      'number (1) and number (0) cannot be divided because the divisor is zero',
    );
    expect(jqError('.a', 5)?.message).toBe('Cannot index number with string ("a")');
  });

  it('runs conditionals, alternatives and boolean operators', () => {
    expect(jq('if . > 1 then "big" elif . == 1 then "one" else "small" end', 1)).toEqual(['one']);
    expect(jq('.a // "d", (false, null, 3) // 4', {})).toEqual(['d', 3]);
    // as in jq 1.7.1, an error on the left of // is not swallowed
    expect(jqError('.a // 5', [1])?.message).toBe('Cannot index array with string ("a")');
    expect(jq('[(true, false) and (true, false)]')).toEqual([[true, false, false]]);
  });

  it('binds variables and destructures', () => {
    expect(jq('. as [$a, {b: $c}] | $a + $c', [1, { b: 2 }])).toEqual([3]);
    expect(jq('.[] as [$a] ?// $a | $a', [[1], 2])).toEqual([1, 2]);
    expect(jq('. as {a: $x, $b} | [$x, $b]', { a: 1, b: 2 })).toEqual([[1, 2]]);
  });

  it('reduces and folds with foreach', () => {
    expect(jq('reduce .[] as $x (0; . + $x)', [1, 2, 3])).toEqual([6]);
    expect(jq('[foreach .[] as $x (0; . + $x; [$x, .])]', [1, 2])).toEqual([
      [
        [1, 1],
        [2, 3],
      ],
    ]);
    expect(jq('reduce empty as $x (0; .)')).toEqual([0]);
  });

  it('defines functions with closures, filter and value params, and recursion', () => {
    expect(jq('def f(g; $n): [g, $n]; f(.a; 2)', { a: 1 })).toEqual([[1, 2]]);
    expect(jq('def fac: if . <= 1 then 1 else . * (. - 1 | fac) end; fac', 5)).toEqual([120]);
    expect(jq('1 as $x | def f: $x + 1; 10 as $x | f')).toEqual([2]);
  });

  it('catches errors with try, and leaves errors raised later alone', () => {
    expect(jq('try error("x") catch ., [.[] | tonumber?]', ['1', 'a'])).toEqual(['x', [1]]);
    expect(jqError('(try (1, 2)) | error')?.value).toBe(1);
    expect(jq('try error({a: 1}) catch .a')).toEqual([1]);
  });

  it('stops at break and at the first output', () => {
    expect(jq('[label $out | 1, 2, break $out, 3]')).toEqual([[1, 2]]);
    expect(jq('first(range(10; 0; -1)), [limit(2; repeat(1))], isempty(empty)')).toEqual([
      10,
      [1, 1],
      true,
    ]);
    const c = compile('range(1e9)');
    expect(c.ok && c.program.first(null)).toBe(0);
  });

  it('interpolates strings and applies formats', () => {
    expect(jq('"a\\(1 + 1)b\\(.)"', 'z')).toEqual(['a2bz']);
    expect(jq('@base64 "x\\(.)", @csv, @json', [1, 'a'])).toEqual([
      'xWzEsImEiXQ==',
      '1,"a"',
      '[1,"a"]',
    ]);
  });

  it('reports $__loc__', () => {
    expect(jq('{a: 1} | $__loc__')).toEqual([{ file: '<top-level>', line: 1 }]);
  });
});
