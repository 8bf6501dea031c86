import { describe, expect, it } from 'vitest';
import { jq, jqError } from './helpers.js';

describe('jq builtins', () => {
  it('sorts, groups and picks extremes in jq order', () => {
    const mixed = [{ a: 1 }, 'b', 2, null, [1], true, false];
    expect(jq('sort', mixed)).toEqual([[null, false, true, 2, 'b', [1], { a: 1 }]]);
    expect(jq('min, max', [5, 4, 2, 7])).toEqual([2, 7]);
    expect(jq('min_by(.a), max_by(.a)', [{ a: 2, i: 0 }, { a: 1 }, { a: 2, i: 1 }])).toEqual([
      { a: 1 },
      { a: 2, i: 1 },
    ]);
    expect(jq('group_by(. % 2), unique, unique_by(length)', [3, 1, 2, 1])).toEqual([
      [[2], [3, 1, 1]],
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(
      jq('sort_by(.n, .m) | map(.id)', [
        { n: 1, m: 2, id: 'a' },
        { n: 1, m: 1, id: 'b' },
      ]),
    ).toEqual([['b', 'a']]);
  });

  it('works on strings', () => {
    expect(
      jq(
        '[ascii_downcase, ascii_upcase, ltrimstr("a"), rtrimstr("c"), startswith("ab"), endswith("x"), length, utf8bytelength]',
        'aBc',
      ),
    ).toEqual([['abc', 'ABC', 'Bc', 'aB', false, false, 3, 3]]);
    expect(
      jq(
        'split(", "), (split(", ") | join("-")), explode, (explode | implode), indices("a")',
        'a, b, a',
      ),
    ).toEqual([['a', 'b', 'a'], 'a-b-a', [97, 44, 32, 98, 44, 32, 97], 'a, b, a', [0, 6]]);
    expect(jq('[.[] | tostring], [.[] | tojson]', [1, 'a', [1.5], null])).toEqual([
      ['1', 'a', '[1.5]', 'null'],
      ['1', '"a"', '[1.5]', 'null'],
    ]);
    expect(jq('trim, ltrim, rtrim', '  x ')).toEqual(['x', 'x ', '  x']);
    expect(jq('"x" * 3, ("a,b" | split(","))')).toEqual(['xxx', ['a', 'b']]);
  });

  it('matches regular expressions through regex.ts', () => {
    expect(
      jq('test("B"; "i"), [match("b+").offset], capture("(?<x>[0-9]+)").x', 'abbb 42'),
    ).toEqual([true, [1], '42']);
    expect(
      jq('sub("(?<d>[0-9])"; "<\\(.d)>"), gsub("[aeiou]"; ""), [scan("[0-9]")]', 'a1b2'),
    ).toEqual(['a<1>b2', '1b2', ['1', '2']]);
  });

  it('prints numbers like jq 1.7', () => {
    expect(jq('[1e1000, -1e1000, 1e17, 0.00001, 1.5, 100, 3.0] | tojson')).toEqual([
      '[1.7976931348623157e+308,-1.7976931348623157e+308,1e+17,1e-05,1.5,100,3]',
    ]);
    expect(jq('[nan] | tojson, (nan < 1), ([nan, 1] | sort)')).toEqual(['[null]', true, [NaN, 1]]);
  });

  it('computes the math library', () => {
    expect(jq('[floor, ceil, round, fabs, sqrt, (pow(2; 10)), (log10 | floor)]', 2.5)).toEqual([
      [2, 3, 3, 2.5, Math.sqrt(2.5), 1024, 0],
    ]);
    expect(jq('[infinite, -infinite] | map(isinfinite), (nan | isnan), (1 | isnormal)')).toEqual([
      [true, true],
      true,
      true,
    ]);
    expect(jq('frexp, modf, significand, (ldexp(.; 2))', 10)).toEqual([
      [0.625, 4],
      [0, 10],
      1.25,
      40,
    ]);
  });

  it('reads time only from the injected clock', () => {
    expect(jq('now | todate', null, {}, { now: 86_400_000 })).toEqual(['1970-01-02T00:00:00Z']);
    expect(jqError('now')?.message).toBe('now is not available: no clock was given to this run');
    expect(jq('"2015-03-05T23:51:47Z" | fromdate | todate, gmtime[0]')).toEqual([
      '2015-03-05T23:51:47Z',
      2015,
    ]);
  });

  it('iterates with limit, first, last, nth, until, while, range and recurse', () => {
    expect(
      jq('[limit(3; range(10))], first(range(5;10)), last(range(3)), nth(2; range(10;20))'),
    ).toEqual([[0, 1, 2], 5, 2, 12]);
    expect(
      jq('[range(0; 10; 3)], [range(5; 0; -2)], [.[] | until(. > 100; . * 2)]', [1, 3]),
    ).toEqual([
      [0, 3, 6, 9],
      [5, 3, 1],
      [128, 192],
    ]);
    expect(jq('[while(. < 20; . * 3)], [recurse(if . < 3 then . + 1 else empty end)]', 1)).toEqual([
      [1, 3, 9],
      [1, 2, 3],
    ]);
    expect(jq('([..] | length), [recurse(.[]?; . != 2)]', [1, [2]])).toEqual([
      4,
      [[1, [2]], 1, [2]],
    ]);
  });

  it('answers any, all, contains, inside, in, has, IN, indices', () => {
    expect(jq('any, all, any(. > 1), all(. > 0), any(.[]; . == 2)', [1, 2])).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(
      jq('contains({a: [1]}), ({a: [1]} | inside({a: [1, 2]})), ("a" | in({a: 1}))', { a: [1, 2] }),
    ).toEqual([true, true, true]);
    expect(jq('IN(2, 3), (.[] | IN(2)), index(2), rindex(2)', [2, 1, 2])).toEqual([
      false,
      true,
      false,
      true,
      0,
      2,
    ]);
    expect(jqError('has("a")', [1])?.message).toBe('Cannot check whether array has a string key');
  });

  it('adds, flattens and converts', () => {
    expect(jq('add, (map([.]) | add), flatten, flatten(1)', [1, [2, [3]]].slice(0, 1))).toEqual([
      1,
      [1],
      [1],
      [1],
    ]);
    expect(jq('[[1, [2]], [[3]]] | flatten, flatten(1)')).toEqual([
      [1, 2, 3],
      [1, [2], [3]],
    ]);
    expect(jq('["1", "2.5", 3] | map(tonumber), (.[0] | type), ("[1]" | fromjson)')).toEqual([
      [1, 2.5, 3],
      'string',
      [1],
    ]);
    expect(jqError('"abc" | tonumber')?.message).toBe(
      'string ("abc") cannot be parsed as a number',
    );
    expect(jq('[splits(", *")]', 'a, b,c')).toEqual([['a', 'b', 'c']]);
    expect(jq('@sh, @uri', "it's")).toEqual(["'it'\\''s'", 'it%27s']);
  });
});
