// Hostile expressions against weft's sandboxed jq: every runaway program must end in a
// JqError (kind 'limit' when it crosses a limit) instead of hanging or exhausting memory,
// no program may hand back a host object, and nothing may touch Object.prototype.
// The budget is small so that this file stays fast; whether it ends in time is left to
// vitest's timeout (no wall-clock assertions).
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { Json, JqLimits } from '../../src/jq/api.js';
import { JqError } from '../../src/jq/api.js';
import { parseJsonStream } from '../../src/cli/jq.js';
import { toJson } from '../../src/jq/builtins/formats.js';
import { compile } from './support/engine.js';

const LIMITS: JqLimits = {
  maxSteps: 200_000,
  maxDepth: 200,
  maxOutputs: 10_000,
  maxLength: 100_000,
};
const objectProtoNames = Object.getOwnPropertyNames(Object.prototype).sort();
const arrayProtoNames = Object.getOwnPropertyNames(Array.prototype).sort();

function run(program: string, input: Json = null): Json[] {
  const c = compile(program, { limits: LIMITS });
  if (!c.ok) throw new Error(`does not compile: ${c.diagnostics[0]?.message}`);
  return c.program.run(input, {}, { now: 0 });
}

/** Throws unless v is plain JSON: no functions, no class instances, own data keys only. */
function assertPlainJson(v: unknown, where = '.'): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') return;
  if (typeof v !== 'object') throw new Error(`host value of type ${typeof v} at ${where}`);
  const proto = Object.getPrototypeOf(v);
  if (Array.isArray(v)) {
    if (proto !== Array.prototype) throw new Error(`array with a foreign prototype at ${where}`);
    v.forEach((x, i) => assertPlainJson(x, `${where}[${i}]`));
    return;
  }
  if (proto !== Object.prototype && proto !== null) {
    throw new Error(`object with a foreign prototype at ${where}`);
  }
  for (const k of Object.getOwnPropertyNames(v)) {
    const d = Object.getOwnPropertyDescriptor(v, k)!;
    if (!('value' in d) || !d.enumerable)
      throw new Error(`accessor or hidden key ${k} at ${where}`);
    assertPlainJson(d.value, `${where}.${k}`);
  }
}

/** Runs a program in a child process killed after 10 s; prints the error kind or 'ok'. */
function runIsolated(program: string): { timedOut: boolean; stdout: string } {
  const index = new URL('../../src/jq/index.ts', import.meta.url).pathname;
  const script = `
    import { compile } from ${JSON.stringify(index)};
    const c = compile(${JSON.stringify(program)}, { limits: ${JSON.stringify(LIMITS)} });
    try { c.program.run(null); process.stdout.write('ok'); }
    catch (e) { process.stdout.write(String(e.kind)); }`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { timedOut: r.error !== undefined || r.signal !== null, stdout: r.stdout ?? '' };
}

function expectLimit(program: string, input: Json = null): void {
  let error: unknown;
  let outputs: Json[] | undefined;
  try {
    outputs = run(program, input);
  } catch (e) {
    error = e;
  }
  // (not the outputs themselves in the message: a runaway value can be too deep to print)
  expect(outputs === undefined, `${program} returned instead of failing`).toBe(true);
  expect(error, `${program} failed with ${String(error)}`).toBeInstanceOf(JqError);
  expect((error as JqError).kind, `${program}: ${(error as JqError).message}`).toBe('limit');
}

describe('hostile jq expressions end with a limit error', () => {
  const runaway: [string, string, Json?][] = [
    ['unbounded non-tail recursion', 'def f: 1 + f; f'],
    ['recursion through an array constructor', 'def f: [f]; f'],
    ['the infinite loop def f: f; f', 'def f: f; f'],
    ['the doubling loop def f: f|f; f', 'def f: f|f; f'],
    ['a billion-item array', '[range(1e9)]'],
    ['a billion outputs', 'range(1e9)'],
    ['an exponentially growing string', 'until(length > 1e9; . + .)', 'a'],
    ['string repetition past the length limit', '. * 1e9', 'x'],
    ['string repetition just past the length limit', '. * 200000', 'x'],
    ['a huge limit over an endless generator', '[limit(1e9; repeat(1))]'],
    ['repeat(.) collected', '[repeat(.)]', 1],
    ['repeat(.) as the program', 'repeat(.)', 1],
    ['a million-deep nesting by reduce', 'reduce range(1e6) as $i ([]; [.])'],
    ['exponential combinations', '[range(30) | [0, 1]] | [combinations] | length'],
    ['a recursive descent over a self-expanding value', '[recurse([., .])] | length', 1],
    ['while with a growing array', '[while(true; . + .)] | length', [1]],
    ['nested label/foreach loops', '[foreach range(1e9) as $x (0; . + $x)] | length'],
    [
      'catastrophic regex backtracking',
      'test("(a+)+$")',
      'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!',
    ],
  ];
  for (const [what, program, input] of runaway) {
    it(`stops ${what}: ${program}`, () => expectLimit(program, input ?? null));
  }

  it('keeps the limit error when the program tries to catch it', () => {
    expectLimit('try (def f: 1 + f; f) catch "caught"');
    expectLimit('[range(1e9)]?');
    expectLimit('label $out | try [range(1e9)] catch break $out');
  });

  it('caps the matches one regex call collects, under the default limits too', () => {
    for (const program of [
      '"x" * 5000000 | [match("."; "g")] | length',
      '"x" * 5000000 | [scan(".")] | length',
      '"x" * 5000000 | [splits("")] | length',
    ]) {
      const c = compile(program);
      expect(c.ok).toBe(true);
      if (!c.ok) continue;
      let error: unknown;
      try {
        c.program.run(null);
      } catch (e) {
        error = e;
      }
      expect(error, program).toBeInstanceOf(JqError);
      expect((error as JqError).kind, program).toBe('limit');
    }
  });

  // Each `.[k] = v` copies the object, and the copy costs no steps: with 200,000 steps
  // this ran for minutes (quadratic). The step budget must cover copying, or the update
  // must happen in place when nothing else holds the value (as jq's refcounts allow).
  // A synchronous loop cannot be interrupted by vitest's timeout, so it runs in a child
  // process that is killed after 10 s.
  it('stops a quadratic object build within the step budget', () => {
    expect(runIsolated('def f: f; f')).toEqual({ timedOut: false, stdout: 'limit' });
    const r = runIsolated('reduce range(1e6) as $i ({}; .[$i | tostring] = 1) | length');
    expect(r.timedOut, 'still running after 10 s').toBe(false);
    expect(r.stdout).toBe('limit');
  });

  it('prints a 5,000-deep value without exhausting the JavaScript stack', () => {
    expect(run('reduce range(5000) as $i ([]; [.]) | tojson | length')).toEqual([10002]);
  });

  it('refuses fromjson nesting deeper than jq 1.8 parses (10000)', () => {
    let outputs: Json[] | undefined;
    let error: unknown;
    try {
      outputs = run('"[" * 20000 + "]" * 20000 | fromjson');
    } catch (e) {
      error = e;
    }
    expect(outputs === undefined, 'fromjson accepted 20000 levels').toBe(true);
    expect(error).toBeInstanceOf(JqError);
  });

  it('refuses setpath to a billion-th index instead of allocating it', () => {
    expect(() => run('setpath([1e9]; 1)', [])).toThrow(JqError);
    expect(() => run('.[1e9] = 1', null)).toThrow(JqError);
  });
});

describe('__proto__, constructor and prototype are ordinary keys', () => {
  const input = (text: string) => parseJsonStream(text)[0]!.value;
  const cases: [string, string, string, string[]][] = [
    ['constructs', '{"__proto__": {"polluted": 1}}', 'null', ['{"__proto__":{"polluted":1}}']],
    [
      'constructs with a computed key',
      '"__proto__" as $k | {($k): 1}',
      'null',
      ['{"__proto__":1}'],
    ],
    [
      'reads absent keys as null',
      '[.__proto__, .constructor, .prototype, .toString, .hasOwnProperty]',
      '{}',
      ['[null,null,null,null,null]'],
    ],
    [
      'reads present keys',
      '[.__proto__, .constructor]',
      '{"__proto__":1,"constructor":2}',
      ['[1,2]'],
    ],
    ['assigns through a path', '.__proto__.polluted = 1', '{}', ['{"__proto__":{"polluted":1}}']],
    [
      'updates with |=',
      '.["constructor"]["prototype"] |= {"polluted": 1}',
      '{}',
      ['{"constructor":{"prototype":{"polluted":1}}}'],
    ],
    ['adds with +=', '.prototype.x += 1', '{}', ['{"prototype":{"x":1}}']],
    ['setpath', 'setpath(["__proto__", "polluted"]; 1)', '{}', ['{"__proto__":{"polluted":1}}']],
    [
      'setpath through constructor.prototype',
      'setpath(["constructor", "prototype", "polluted"]; 1)',
      '{}',
      ['{"constructor":{"prototype":{"polluted":1}}}'],
    ],
    [
      'getpath',
      '[getpath(["__proto__", "polluted"]), getpath(["constructor", "prototype"])]',
      '{}',
      ['[null,null]'],
    ],
    [
      'has',
      '[has("__proto__"), has("constructor"), has("toString")]',
      '{}',
      ['[false,false,false]'],
    ],
    ['del', 'del(.__proto__, .constructor)', '{"__proto__":1,"constructor":2,"a":3}', ['{"a":3}']],
    ['delpaths', 'delpaths([["prototype"]])', '{"prototype":1,"a":2}', ['{"a":2}']],
    ['to_entries', 'to_entries', '{"__proto__":1}', ['[{"key":"__proto__","value":1}]']],
    [
      'from_entries',
      'from_entries',
      '[{"key":"__proto__","value":{"polluted":1}}]',
      ['{"__proto__":{"polluted":1}}'],
    ],
    ['with_entries', 'with_entries(.key |= "__proto__")', '{"constructor":1}', ['{"__proto__":1}']],
    [
      '@json and tojson',
      '@json, tojson',
      '{"__proto__":{"polluted":1}}',
      ['"{\\"__proto__\\":{\\"polluted\\":1}}"', '"{\\"__proto__\\":{\\"polluted\\":1}}"'],
    ],
    ['fromjson', 'fromjson | keys', '"{\\"__proto__\\":{\\"polluted\\":1}}"', ['["__proto__"]']],
    [
      'group_by',
      'group_by(.__proto__) | map(length)',
      '[{"__proto__":1},{"constructor":1},{"__proto__":1}]',
      ['[1,2]'],
    ],
    [
      'unique_by',
      'unique_by(.constructor) | length',
      '[{"constructor":1},{},{"constructor":1}]',
      ['2'],
    ],
    [
      'object addition and merge',
      '. + {"__proto__": 2}, . * {"__proto__": {"polluted": 1}}',
      '{"a":1}',
      ['{"a":1,"__proto__":2}', '{"a":1,"__proto__":{"polluted":1}}'],
    ],
    [
      'reduce into an object',
      'reduce ("__proto__", "constructor") as $k ({}; .[$k] = 1)',
      'null',
      ['{"__proto__":1,"constructor":1}'],
    ],
    [
      'paths and streams',
      '[paths], (tostream | select(length == 2)), fromstream(tostream)',
      '{"__proto__":{"a":1}}',
      ['[["__proto__"],["__proto__","a"]]', '[["__proto__","a"],1]', '{"__proto__":{"a":1}}'],
    ],
    [
      'capture with a group named __proto__',
      'capture("(?<__proto__>a)")',
      '"a"',
      ['{"__proto__":"a"}'],
    ],
    [
      'walk and map_values',
      'walk(.), map_values(. + 1)',
      '{"__proto__":1}',
      ['{"__proto__":1}', '{"__proto__":2}'],
    ],
  ];
  for (const [what, program, inputText, expected] of cases) {
    it(`${what}: ${program}`, () => {
      const outputs = run(program, input(inputText));
      for (const o of outputs) assertPlainJson(o);
      expect(outputs.map((o) => toJson(o))).toEqual(expected);
    });
  }

  it('rejects indexing non-objects with these keys as jq does', () => {
    expect(() => run('.constructor', [])).toThrow(/Cannot index array/);
    expect(() => run('.__proto__', 'x')).toThrow(/Cannot index string/);
    expect(() => run('.prototype', 1)).toThrow(/Cannot index number/);
  });
});

describe('the sandbox', () => {
  it('does not compile input, $ENV, env, halt or modules, naming the feature', () => {
    for (const [program, name] of [
      ['input', 'input'],
      ['[inputs]', 'inputs'],
      ['$ENV.HOME', 'ENV'],
      ['env.HOME', 'env'],
      ['halt', 'halt'],
      ['input_filename', 'input_filename'],
      ['import "a" as a; .', 'import'],
    ] as const) {
      const c = compile(program);
      expect(c.ok, program).toBe(false);
      if (!c.ok) expect(c.diagnostics[0]!.message, program).toContain(name);
    }
  });

  it('reads the clock only from the run options', () => {
    const c = compile('now');
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect(c.program.run(null, {}, { now: 1425599507000 })).toEqual([1425599507]);
    expect(() => c.program.run(null)).toThrow(JqError);
  });
});

function expectPrototypesUnchanged(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(objectProtoNames);
  expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(arrayProtoNames);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
}

describe('afterwards', () => {
  // Tests run in file order, so this one sees the effects of every program above.
  it('leaves Object.prototype and Array.prototype unchanged', expectPrototypesUnchanged);
});

afterAll(expectPrototypesUnchanged);
