import { describe, expect, it } from 'vitest';
import { jq, jqError } from './helpers.js';

describe('jq paths and assignment', () => {
  const doc = { a: { b: 1, c: [1, 2, 3] }, d: null };

  it('lists paths of path expressions, leaves and recursion', () => {
    expect(jq('[path(.a.c[1], .a[])]', doc)).toEqual([
      [
        ['a', 'c', 1],
        ['a', 'b'],
        ['a', 'c'],
      ],
    ]);
    expect(jq('[paths]', { x: [1] })).toEqual([[['x'], ['x', 0]]]);
    expect(jq('[leaf_paths]', { x: [1], y: { z: 'q' } })).toEqual([
      [
        ['x', 0],
        ['y', 'z'],
      ],
    ]);
    expect(jq('[path(..)]', [[1]])).toEqual([[[], [0], [0, 0]]]);
  });

  it('updates, sets and arithmetic-assigns', () => {
    expect(jq('.a.b |= . + 1 | .a.b', doc)).toEqual([2]);
    expect(jq('.a.c[] += 10 | .a.c', doc)).toEqual([[11, 12, 13]]);
    expect(jq('.x.y = 1 | .x', doc)).toEqual([{ y: 1 }]);
    expect(jq('.d //= "dflt" | .d', doc)).toEqual(['dflt']);
    expect(jq('(.a.c[] | select(. > 1)) *= 2 | .a.c', doc)).toEqual([[1, 4, 6]]);
    expect(jq('.[] = (1, 2)', [0, 0])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('deletes the paths an update maps to empty, all at the end', () => {
    expect(jq('(.[] | select(. > 1)) |= empty', [1, 2, 3, 1])).toEqual([[1, 1]]);
  });

  it('deletes with del and delpaths, negative indices and slices included', () => {
    expect(jq('del(.a.c[0], .d)', doc)).toEqual([{ a: { b: 1, c: [2, 3] } }]);
    expect(jq('del(.[1], .[-1])', [0, 1, 2, 3])).toEqual([[0, 2]]);
    expect(jq('del(.[1:3])', [0, 1, 2, 3])).toEqual([[0, 3]]);
    expect(jq('delpaths([["a"], ["b", 0]])', { a: 1, b: [1, 2] })).toEqual([{ b: [2] }]);
  });

  it('gets, sets and picks paths', () => {
    expect(jq('getpath(["a","c",2]), getpath(["x","y"])', doc)).toEqual([3, null]);
    expect(jq('setpath(["a","c",0]; 9) | .a.c', doc)).toEqual([[9, 2, 3]]);
    expect(jq('pick(.a.b, .a.c[1])', doc)).toEqual([{ a: { b: 1, c: [null, 2] } }]);
    expect(jq('.[2:4] = ["x"]', [0, 1, 2, 3, 4])).toEqual([[0, 1, 'x', 4]]);
  });

  it('converts entries and streams', () => {
    expect(
      jq('to_entries, (to_entries | from_entries), with_entries(.value += 1)', { a: 1 }),
    ).toEqual([[{ key: 'a', value: 1 }], { a: 1 }, { a: 2 }]);
    expect(
      jq('from_entries', [
        { name: 'n', v: 1 },
        { k: 'm', value: 2 },
      ]),
    ).toEqual([{ n: 1, m: 2 }]);
    expect(jq('[tostream], fromstream(tostream)', { a: [1] })).toEqual([
      [[['a', 0], 1], [['a', 0]], [['a']]],
      { a: [1] },
    ]);
    expect(
      jq('map_values(. * 2), walk(if type == "number" then . + 1 else . end)', { a: 1, b: 2 }),
    ).toEqual([
      { a: 2, b: 4 },
      { a: 2, b: 3 },
    ]);
  });

  it('rejects paths of computed values with jq messages', () => {
    expect(jqError('path(1)')?.message).toBe('Invalid path expression with result 1');
    expect(jqError('[1] | path(map(.) | .[0])')?.message).toBe(
      'Invalid path expression near attempt to access element 0 of [1]',
    );
    expect(jqError('.[-5] = 1', [1])?.message).toBe('Out of bounds negative array index');
    expect(jqError('.a = 1', [1])?.message).toBe('Cannot index array with string ("a")');
  });
});
