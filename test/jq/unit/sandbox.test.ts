import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/jq/index.js';
import type { JqError, JqLimits } from '../../../src/jq/index.js';

function limitOf(prog: string, limits: Partial<JqLimits> = {}): JqError | undefined {
  const c = compile(prog, { limits });
  if (!c.ok) throw new Error(c.diagnostics[0]?.message);
  try {
    c.program.run(null);
    return undefined;
  } catch (e) {
    return e as JqError;
  }
}

describe('jq sandbox', () => {
  // small budgets keep these fast; each would run forever or exhaust memory unguarded
  const small = { maxSteps: 20_000, maxLength: 10_000, maxDepth: 100, maxOutputs: 50 };

  it.each([
    ['def f: f; f', 'recursion deeper than 100'],
    ['def f: [f]; f', 'recursion deeper than 100'],
    ['[repeat(1)]', 'a string or array longer than 10000'],
    ['last(repeat(1))', 'more than 20000 evaluation steps'],
    ['until(false; .)', 'more than 20000 evaluation steps'],
    ['reduce range(1e9) as $i (0; . + 1)', 'more than 20000 evaluation steps'],
    ['range(1e9)', 'more than 50 outputs'],
    ['"x" * 20000', 'a string or array longer than 10000'],
    ['reduce range(40) as $i ("x"; . + .)', 'a string or array longer than 10000'],
    ['last(range(0; 1e18; 1e-300))', 'more than 20000 evaluation steps'],
    [
      'def d(n): reduce range(n) as $i (0; [., .]); d(60) == d(60)',
      'more than 20000 evaluation steps',
    ],
    ['reduce range(80) as $i (0; [., .]) | tojson', 'a string or array longer than 10000'],
    ['reduce range(100000) as $i ([]; . + [$i])', 'more than 20000 evaluation steps'],
  ])('stops %s with a limit error', (prog, what) => {
    const e = limitOf(prog, small);
    expect(e?.kind).toBe('limit');
    expect(e?.message).toBe(`jq sandbox limit exceeded: ${what}`);
  });

  it("handles data 10,000 levels deep with jq's own depth errors", () => {
    const c = compile(
      'reduce range(9999) as $_ ([]; [.]) | (tojson | fromjson | flatten), ((tojson | fromjson) == .)',
    );
    expect(c.ok && c.program.run(null)).toEqual([[], true]);
    const d = compile(
      'reduce range(10001) as $_ ([]; [.]) | (tojson | test("too deep")), (try (. as $x | reduce range(10001) as $_ ([]; [.]) | . == $x) catch .)',
    );
    expect(d.ok && d.program.run(null)).toEqual([true, 'Equality check too deep']);
  });

  it('does not let try or ? swallow a crossed limit', () => {
    const e = limitOf('try (def f: f; f) catch "caught"', small);
    expect(e?.kind).toBe('limit');
    expect(limitOf('[.[]?, (repeat(1))?]', small)?.kind).toBe('limit');
  });

  it('turns a blown JS stack into a limit error', () => {
    const e = limitOf('def f: 1 + f; f', { maxDepth: 10_000_000 });
    expect(e?.kind).toBe('limit');
    expect(e?.message).toBe('jq sandbox limit exceeded: nesting too deep');
  });

  it('keeps __proto__, constructor and prototype as plain keys', () => {
    const c = compile(
      '{"__proto__": {"polluted": 1}} | ., keys, .__proto__.polluted, ({} | .constructor, .prototype)',
    );
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    const out = c.program.run(null);
    expect(JSON.stringify(out)).toBe('[{"__proto__":{"polluted":1}},["__proto__"],1,null,null]');
    const obj = out[0] as Record<string, unknown>;
    expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(jqRun('.__proto__.x = 1 | .__proto__', {})).toEqual([{ x: 1 }]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(
      jqRun('setpath(["constructor","prototype","y"]; 1) | .constructor.prototype.y', {}),
    ).toEqual([1]);
    expect((Object.prototype as unknown as Record<string, unknown>).y).toBeUndefined();
  });

  it('refuses IO builtins at compile time with a clear message', () => {
    for (const [prog, name] of [
      ['input', 'input'],
      ['[inputs]', 'inputs'],
      ['$ENV.HOME', '$ENV'],
      ['env.HOME', 'env'],
      ['input_filename', 'input_filename'],
      ['halt', 'halt'],
      ['"x" | halt_error', 'halt_error'],
      ['import "a" as a; .', 'import'],
      ['include "a"; .', 'include'],
    ]) {
      const c = compile(prog as string);
      expect(c.ok).toBe(false);
      if (!c.ok)
        expect(c.diagnostics[0]?.message).toBe(`${name} is not available in weft's sandboxed jq`);
    }
  });
});

function jqRun(prog: string, input: unknown): unknown[] {
  const c = compile(prog);
  if (!c.ok) throw new Error(c.diagnostics[0]?.message);
  return c.program.run(input as never);
}
