import { beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../../../src/jq/api.js';
import { JqError } from '../../../src/jq/api.js';
import * as re from '../../../src/jq/builtins/regex.js';
import { toJson } from '../../../src/jq/builtins/formats.js';
import { loadJqWeb, runJqWeb } from '../support/engine.js';

let jq: Awaited<ReturnType<typeof loadJqWeb>>;
beforeAll(async () => {
  jq = await loadJqWeb();
});

// ASCII inputs only: jq 1.7.1 (the reference) mis-steps over multi-byte characters after
// an empty match, which jq 1.8 fixed; codepoint offsets are covered by onig.test.
const INPUTS = [
  'abc',
  'aaa',
  'foo bar foobar',
  'ABC abc',
  'a1b22c333',
  'x@y.com, z@w.com',
  '',
  'a\nb\nc\n',
  'banana',
  'tab\there  x',
];
const PATTERNS = [
  'a',
  'a+',
  '[aeiou]',
  '^a',
  'a$',
  'c$',
  '\\d+',
  '\\w+',
  '\\s+',
  '\\bfoo\\b',
  '\\Bar',
  '(a)(b)?',
  '(?<x>a)|(?<y>b)',
  '(?<w>\\w+)@(?<d>\\w+)\\.com',
  'x*',
  '',
  '(?i)abc',
  '[[:alpha:]]+',
  '[[:digit:][:space:]]+',
  'a{2}',
  'a{1,2}',
  '(?:an)+',
  '.',
  '.+',
  '(a|b)*c',
  '\\.',
  '[^a-z]+',
  'foo(?=bar)',
  '(?<=a)n',
  '(?!a)[a-c]',
  '\\Aa',
  'c\\z',
  'c\\Z',
  '(a)\\1',
  '(?<q>a)\\k<q>',
  '\\p{Lu}',
  'a b # spaced',
  '(?<opt>z)?a',
  '[',
  'a{2',
];
const FLAGS: Json[] = [null, 'g', 'gi', 'gx', 'gn', 'p', 'gs'];

/** What jq computes for one pattern and flags over all inputs, as a jq program. */
function jqProgram(pattern: string, flags: Json): string {
  const r = JSON.stringify(pattern);
  const f = flags === null ? 'null' : JSON.stringify(flags);
  const g = flags === null ? 'null' : JSON.stringify(String(flags).replace(/g/g, ''));
  return (
    `[.[] | [[match(${r}; ${f})], test(${r}; ${f}), [capture(${r}; ${f})], [scan(${r}; ${g})],` +
    ` [splits(${r}; ${g})], [sub(${r}; "[\\(to_entries | map(.value // "-") | join(","))]"; ${f})]]]`
  );
}

function weftResult(pattern: string, flags: Json): Json {
  const replace = (caps: Json) => [
    '[' +
      Object.values(caps as Record<string, Json>)
        .map((v) => v ?? '-')
        .join(',') +
      ']',
  ];
  return INPUTS.map((s) => [
    re.matches(s, pattern, flags),
    re.test(s, pattern, flags),
    re.capture(s, pattern, flags),
    re.scan(s, pattern, flags === null ? null : String(flags).replace(/g/g, '')),
    re.splits(s, pattern, flags === null ? null : String(flags).replace(/g/g, '')),
    re.sub(s, pattern, replace, flags),
  ]);
}

describe('regex.ts against jq 1.7.1 (Oniguruma)', () => {
  for (const flags of FLAGS) {
    it(`agrees on match, test, capture, scan, splits and sub with flags ${String(flags)}`, () => {
      const mismatches: string[] = [];
      for (const pattern of PATTERNS) {
        // A documented approximation (regex.ts): under i, RegExp folds case inside
        // \p{Lu}, Oniguruma does not.
        if (pattern === '\\p{Lu}' && String(flags).includes('i')) continue;
        const r = runJqWeb(jq, jqProgram(pattern, flags), JSON.stringify(INPUTS));
        let mine: string;
        try {
          mine = toJson(weftResult(pattern, flags));
        } catch (e) {
          mine = `error: ${(e as Error).message}`;
        }
        const theirs = r.ok ? r.stdout.trim() : `error: ${r.stderr}`;
        const same = r.ok ? mine === theirs : mine.startsWith('error:');
        if (!same)
          mismatches.push(`${JSON.stringify(pattern)}\n  jq:   ${theirs}\n  weft: ${mine}`);
      }
      expect(mismatches, mismatches.slice(0, 3).join('\n')).toEqual([]);
    });
  }
});

describe('regex.ts errors', () => {
  it('names a non-string input, pattern or flags', () => {
    expect(() => re.test(1, 'a')).toThrow('number (1) cannot be matched, as it is not a string');
    expect(() => re.test('a', {})).toThrow('object ({}) cannot be matched, as it is not a string');
    expect(() => re.test('a', 'a', 1)).toThrow('number (1) is not a string');
    expect(() => re.test('abc', 'a', 'q')).toThrow('q is not a valid modifier string');
    expect(() => re.regexArgs(1)).toThrow('number not a string or array');
  });

  it('names the pattern when it is not a valid regex', () => {
    expect(() => re.test('abc', '(')).toThrow(/^\( \(at offset 0\) is not a valid regex: /);
  });

  it('refuses nested unbounded quantifiers with a limit error instead of backtracking for ever', () => {
    for (const pattern of ['(a+)+$', '(a*)*b', '(\\w+\\s?)+$', '((a+)?)+', '(a{2,})*']) {
      let error: unknown;
      try {
        re.test('a'.repeat(40) + '!', pattern);
      } catch (e) {
        error = e;
      }
      expect(error, pattern).toBeInstanceOf(JqError);
      expect((error as JqError).kind, pattern).toBe('limit');
    }
    expect(re.test('abab', '(ab)+')).toBe(true);
    expect(re.test('aaa', '(a{2,3})*')).toBe(true);
  });

  it('takes the replacement outputs of sub in jq order and reports a non-string one', () => {
    expect(
      re.gsub('aB', '(?<a>.)', (c) => {
        const a = (c as { a: string }).a;
        return [a.toUpperCase(), a.toLowerCase(), 'c'];
      }),
    ).toEqual(['AB', 'ab', 'cc']);
    expect(re.sub('abc', 'x', () => ['y'])).toEqual(['abc']);
    expect(() => re.sub('a', 'a', () => [1])).toThrow('string ("") and number (1) cannot be added');
  });

  it('counts offsets in codepoints', () => {
    expect(re.matches('😀 bar', 'bar')).toEqual([
      { offset: 2, length: 3, string: 'bar', captures: [] },
    ]);
  });
});
