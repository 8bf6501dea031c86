import { describe, expect, it } from 'vitest';
import { parseJsonStream } from '../../src/cli/jq.js';
import { weft } from '../helpers/cli.js';

// One process per case costs ~0.5 s, so each case checks several things at once.
describe('weft jq', () => {
  it('pretty-prints each value of a whitespace-separated stream with 2-space indent', () => {
    const r = weft(['jq', '.'], { input: '{"a":1,"b":[1,{}],"c":{"d":[]}}\n"x" 2\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '{\n  "a": 1,\n  "b": [\n    1,\n    {}\n  ],\n  "c": {\n    "d": []\n  }\n}\n"x"\n2\n',
    );
  });

  it('prints compact (-c), raw (-r) and joined (-j) output like jq', () => {
    const c = weft(['jq', '-c', '.[] | {v: .}'], { input: '[1,"é",null]' });
    expect(c.stdout).toBe('{"v":1}\n{"v":"é"}\n{"v":null}\n');
    const r = weft(['jq', '-r', '.[]'], { input: '["a\\tb", 1, [2]]' });
    expect(r.stdout).toBe('a\tb\n1\n[\n  2\n]\n');
    const j = weft(['jq', '-j', '-n', '"a", 1, "b"']);
    expect(j.stdout).toBe('a1b');
    const combined = weft(['jq', '-nr', '"x"']);
    expect(combined.stdout).toBe('x\n');
  });

  it('binds --arg as a string and --argjson as JSON, with -n as the single null input', () => {
    const r = weft([
      'jq',
      '-n',
      '-c',
      '--arg',
      'x',
      '1',
      '--argjson',
      'y',
      '{"z":[2]}',
      '[$x, $y, .]',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('["1",{"z":[2]},null]\n');
  });

  it('exits 5 on a runtime error, names the input line and still runs the later inputs', () => {
    const r = weft(['jq', '-c', '.a + 1'], { input: '{"a":1}\n{"a":"s"}\n{"a":41}\n' });
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('2\n42\n');
    expect(r.stderr).toBe(
      'jq: error (at <stdin>:2): string ("s") and number (1) cannot be added\n',
    );
    const obj = weft(['jq', '-n', 'error({a:1})']);
    expect(obj.code).toBe(5);
    expect(obj.stderr).toBe('jq: error (at <unknown>) (not a string): {"a":1}\n');
  });

  it('exits 3 on a compile error with the position in the filter', () => {
    const r = weft(['jq', '-n', '.a |']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^jq: error: .* at <top-level>, line 1, column \d+:\n {4}\.a \|\njq: 1 compile error\n$/,
    );
  });

  it('exits 2 on invalid JSON input after printing the outputs of the values before it', () => {
    const r = weft(['jq', '-c', '.a'], { input: '{"a":1}\n{"a": tru}\n' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('1\n');
    expect(r.stderr).toMatch(
      /^jq: error \(at <stdin>:2\): Invalid literal at line 2, column \d+\n$/,
    );
  });

  it('exits 2 on bad usage: no filter, an unknown option, --argjson with invalid JSON', () => {
    const none = weft(['jq']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no filter given');
    const unknown = weft(['jq', '--frobnicate', '.']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown option: --frobnicate');
    const bad = weft(['jq', '-n', '--argjson', 'x', '{nope', '$x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Invalid JSON text passed to --argjson');
  });
});

describe('the JSON stream reader of weft jq', () => {
  it('reads concatenated values, a byte order mark, NaN and Infinity, and the line of each', () => {
    const vs = parseJsonStream('\ufeff1 2\n[3]{"a":\n"b"} NaN -Infinity "\\ud83d\\ude00\\ud800"');
    expect(vs.map((v) => v.value)).toEqual([1, 2, [3], { a: 'b' }, NaN, -Infinity, '😀\ufffd']);
    expect(vs.map((v) => v.line)).toEqual([1, 1, 2, 3, 3, 3, 3]);
  });

  it('keeps "__proto__" as an own key of the object it reads', () => {
    const [v] = parseJsonStream('{"__proto__": {"polluted": 1}}');
    expect(Object.keys(v!.value as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('names the line and column of an unfinished value', () => {
    expect(() => parseJsonStream('[1,\n2')).toThrow(
      'Unfinished JSON term at EOF at line 2, column 1',
    );
    expect(() => parseJsonStream('"abc')).toThrow('Unfinished string at EOF');
  });
});
