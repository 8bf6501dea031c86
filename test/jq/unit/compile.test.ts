import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/jq/index.js';

function diagnostics(text: string, variables: string[] = []) {
  const c = compile(text, { variables });
  return c.ok ? [] : c.diagnostics;
}

describe('jq compile errors', () => {
  it('reports syntax errors with line, column and offset', () => {
    expect(diagnostics('.a |\n  .b | ]')).toEqual([
      { line: 2, col: 8, offset: 12, message: "syntax error, unexpected ']'" },
    ]);
    expect(diagnostics('{a: 1')[0]?.message).toBe('syntax error, unexpected end of file');
    expect(diagnostics('if . then 1')[0]?.message).toBe(
      'syntax error, unexpected end of file, expecting end',
    );
    expect(diagnostics('"\\q"')[0]).toMatchObject({ col: 2, message: 'Invalid escape' });
    expect(diagnostics('. %')[0]?.message).toBe('syntax error, unexpected end of file');
  });

  it('names undefined functions and variables where they are used', () => {
    expect(diagnostics('1 | nosuch(2)')).toEqual([
      { line: 1, col: 5, offset: 4, message: 'nosuch/1 is not defined' },
    ]);
    expect(diagnostics('$x + $y', ['x'])).toEqual([
      { line: 1, col: 6, offset: 5, message: '$y is not defined' },
    ]);
    expect(diagnostics('break $out')[0]?.message).toBe('$*label-out is not defined');
    expect(diagnostics('@nosuch')[0]?.message).toBe('nosuch is not a valid format');
  });

  it('rejects constant non-string object keys as jq does', () => {
    expect(diagnostics('{(0): 1}')[0]?.message).toBe('Cannot use number (0) as object key');
    expect(diagnostics('. as {(true): $x} | $x')[0]?.message).toBe(
      'Cannot use boolean (true) as object key',
    );
  });

  it('compiles the declared variables and reads them at run time', () => {
    const c = compile('$input.a + $context.n', { variables: ['input', 'context'] });
    expect(c.ok && c.program.run(null, { input: { a: 1 }, context: { n: 2 } })).toEqual([3]);
    expect(c.ok && c.program.first(null, { input: { a: 1 } })).toBe(1);
    expect(c.ok && c.program.text).toBe('$input.a + $context.n');
  });

  it('returns undefined from first() when there is no output', () => {
    const c = compile('.[] | select(. > 10)');
    expect(c.ok && c.program.first([1, 2])).toBeUndefined();
    const e = compile('1, error("never reached")');
    expect(e.ok && e.program.first(null)).toBe(1);
    const d = compile('.[] | select(. > 1)');
    expect(d.ok && d.program.first([1, 5, 7])).toBe(5);
  });
});
