import { beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../../../src/jq/api.js';
import { JqError } from '../../../src/jq/api.js';
import {
  applyFormat,
  describeValue,
  formatNumber,
  toJson,
} from '../../../src/jq/builtins/formats.js';
import { Rng } from '../gen/random.js';
import { loadJqWeb, runJqWeb } from '../support/engine.js';

let jq: Awaited<ReturnType<typeof loadJqWeb>>;
beforeAll(async () => {
  jq = await loadJqWeb();
});

/** jq 1.7.1's output for a filter on an input, one compact JSON text per output. */
function jqText(filter: string, input: Json): string {
  const r = runJqWeb(jq, filter, JSON.stringify(input));
  if (!r.ok) throw new Error(r.stderr);
  return r.stdout.trim();
}

describe('formatNumber', () => {
  it('writes computed doubles exactly as jq 1.7.1 does, across magnitudes', () => {
    const rng = new Rng(7);
    const numbers: number[] = [0.1 + 0.2, 1 / 3, 1e16, 1e17, 123456789012345680, 1e-5, 1e-4];
    for (let i = 0; i < 300; i++) {
      const mantissa = rng.next() * 10 * (rng.chance(0.3) ? -1 : 1);
      numbers.push(Number((mantissa * 10 ** (rng.int(60) - 30)).toPrecision(1 + rng.int(17))));
    }
    // `. * 1` makes jq compute a double instead of echoing the literal it read.
    const expected = jqText('.[] | . * 1', numbers).split('\n');
    expect(numbers.map(formatNumber)).toEqual(expected);
  });

  it('writes the special values as jq does', () => {
    expect([NaN, Infinity, -Infinity, -0, 0].map(formatNumber)).toEqual([
      'null',
      '1.7976931348623157e+308',
      '-1.7976931348623157e+308',
      '-0',
      '0',
    ]);
  });
});

describe('toJson', () => {
  it('escapes control characters and DEL, keeps other text raw, and mends lone surrogates', () => {
    expect(toJson('a"\\\n\t\u0001\u007fé😀')).toBe('"a\\"\\\\\\n\\t\\u0001\\u007fé😀"');
    expect(toJson('x\ud800y')).toBe('"x\ufffdy"');
  });

  it('matches jq -c and jq . on a nested document', () => {
    const doc = { a: [1, { b: null, c: [] }, 'x'], d: {}, e: -0.5 };
    expect(toJson(doc)).toBe(jqText('.', doc));
    expect(toJson(doc, 2)).toBe(
      '{\n  "a": [\n    1,\n    {\n      "b": null,\n      "c": []\n    },\n    "x"\n  ],\n  "d": {},\n  "e": -0.5\n}',
    );
  });

  it('writes any depth without recursion and skips containers below 10,000 levels as jq 1.8', () => {
    let v: Json = [];
    for (let i = 0; i < 10000; i++) v = [v];
    expect(toJson(v)).toBe('['.repeat(10001) + ']'.repeat(10001));
    expect(toJson([v])).toContain('<skipped: too deep>');
  });
});

describe('applyFormat', () => {
  const rng = new Rng(11);
  const alphabet = [
    'a',
    'Z',
    '0',
    ' ',
    '"',
    "'",
    '\\',
    '\t',
    '\n',
    ',',
    '<',
    '>',
    '&',
    '%',
    '/',
    'é',
    '😀',
    '~',
    '+',
  ];
  const strings = Array.from({ length: 60 }, () =>
    Array.from({ length: rng.int(12) }, () => rng.pick(alphabet)).join(''),
  );

  it('agrees with jq 1.7.1 on @text @json @html @uri @sh @base64 and @base64d of strings', () => {
    for (const name of ['text', 'json', 'html', 'uri', 'sh', 'base64']) {
      const expected = jqText(`.[] | @${name}`, strings)
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(
        strings.map((s) => applyFormat(name, s)),
        `@${name}`,
      ).toEqual(expected);
    }
    const encoded = strings.map((s) => applyFormat('base64', s));
    expect(encoded.map((s) => applyFormat('base64d', s))).toEqual(strings);
  });

  it('agrees with jq 1.7.1 on @csv @tsv and @sh of rows', () => {
    const rows: Json[] = [
      [1, 'a,b', null, true, false, -2.5, 'say "hi"'],
      ['tab\there', 'back\\slash', 'new\nline', 'cr\rx', ''],
      [],
    ];
    for (const name of ['csv', 'tsv', 'sh']) {
      const expected = jqText(`.[] | @${name}`, rows)
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(
        rows.map((r) => applyFormat(name, r)),
        `@${name}`,
      ).toEqual(expected);
    }
  });

  it('turns a non-string input into its JSON text first, as jq does', () => {
    expect(applyFormat('base64', 1)).toBe('MQ==');
    expect(applyFormat('html', [1, '<'])).toBe('[1,&quot;&lt;&quot;]');
    expect(applyFormat('uri', { a: 1 })).toBe('%7B%22a%22%3A1%7D');
  });

  it('round-trips @base32 and @urid', () => {
    for (const s of strings) {
      expect(applyFormat('base32d', applyFormat('base32', s))).toBe(s);
      expect(applyFormat('urid', applyFormat('uri', s))).toBe(s);
    }
    expect(applyFormat('base32', 'abc')).toBe('MFRGG===');
  });

  it('fails with jq messages on input it cannot format', () => {
    const cases: [string, Json, string][] = [
      ['csv', { a: 1 }, 'object ({"a":1}) cannot be csv-formatted, only an array can be'],
      ['tsv', 'x', 'string ("x") cannot be tsv-formatted, only an array can be'],
      ['csv', [[1]], 'array ([1]) is not valid in a csv row'],
      ['sh', [{}], 'object ({}) can not be escaped for shell'],
      ['base64d', 'a b', 'string ("a b") is not valid base64 data'],
      ['base64d', 'QUJDa', 'string ("QUJDa") trailing base64 byte found'],
      ['urid', '%zz', 'string ("%zz") is not a valid uri encoding'],
      ['urid', '%F0%93%81', 'string ("%F0%93%81") is not a valid uri encoding'],
      ['nosuch', 1, 'nosuch is not a valid format'],
    ];
    for (const [name, input, message] of cases) {
      expect(() => applyFormat(name, input), `@${name}`).toThrow(JqError);
      expect(() => applyFormat(name, input), `@${name}`).toThrow(message);
    }
  });

  it('cuts long values in messages as jq 1.8 does', () => {
    expect(describeValue('x'.repeat(40))).toBe('string ("xxxxxxxxxxxxxxxxxxxxxxxxx...)');
    expect(describeValue([1, 2])).toBe('array ([1,2])');
  });
});
