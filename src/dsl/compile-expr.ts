// Expressions and value templates (compile side). A string that is exactly `${ ... }`
// is a runtime expression; anywhere inside an object or array value it becomes an
// `expr` node, everything else stays a literal. A subtree without expressions is
// collapsed into one `lit` node, so evaluating it costs nothing (the value is shared:
// the interpreter never mutates values).

import type { CompileOptions, CompileResult, Json } from '../jq/api.js';
import type { CompileDiagnostic, Expr, Template } from './ir.js';

export type JqCompile = (text: string, options?: CompileOptions) => CompileResult;

/** What the compile of one document carries along. */
export interface ExprContext {
  jq: JqCompile;
  diagnostics: CompileDiagnostic[];
}

const WRAPPED = /^\s*\$\{([\s\S]*)\}\s*$/;

/** The jq text of `${ x }`, or undefined when the string is not a runtime expression. */
export function unwrap(value: string): string | undefined {
  const m = WRAPPED.exec(value);
  return m ? (m[1] ?? '').trim() : undefined;
}

/** Compile jq text; `variables` are the `$names` in scope (without `$`). */
export function compileExpr(
  cx: ExprContext,
  text: string,
  variables: readonly string[],
  path: string,
): Expr {
  const result = cx.jq(text, { variables });
  if (result.ok) return { text, program: result.program };
  const first = result.diagnostics[0];
  const error = first
    ? `${first.message} (at ${first.line}:${first.col} of '${text}')`
    : `'${text}' does not compile`;
  cx.diagnostics.push({ path, message: error });
  return { text, error };
}

/** An expression-only field (if, when, while, for.in, ...): jq with or without `${ }`. */
export function compileExprField(
  cx: ExprContext,
  value: unknown,
  variables: readonly string[],
  path: string,
): Expr | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return compileExpr(cx, String(value), variables, path);
  if (typeof value !== 'string') {
    cx.diagnostics.push({ path, message: 'expected a jq expression (a string)' });
    return { text: JSON.stringify(value), error: 'expected a jq expression (a string)' };
  }
  return compileExpr(cx, unwrap(value) ?? value, variables, path);
}

/** A value that may contain `${ }` strings anywhere (set, with, body, ...). */
export function compileTemplate(
  cx: ExprContext,
  value: unknown,
  variables: readonly string[],
  path: string,
): Template {
  if (typeof value === 'string') {
    const text = unwrap(value);
    return text === undefined
      ? { t: 'lit', value }
      : { t: 'expr', expr: compileExpr(cx, text, variables, path) };
  }
  if (Array.isArray(value)) {
    const items = value.map((v, i) => compileTemplate(cx, v, variables, `${path}/${i}`));
    if (items.every((i) => i.t === 'lit')) return { t: 'lit', value: value as Json };
    return { t: 'arr', items };
  }
  if (value !== null && typeof value === 'object') {
    const entries: [string, Template][] = Object.entries(value).map(([k, v]) => [
      k,
      compileTemplate(cx, v, variables, `${path}/${escapePointer(k)}`),
    ]);
    if (entries.every(([, t]) => t.t === 'lit')) return { t: 'lit', value: value as Json };
    return { t: 'obj', entries };
  }
  if (value === undefined) return { t: 'lit', value: null };
  return { t: 'lit', value: value as Json };
}

/** `input.from` / `output.as` / `export.as`: a string is an expression-only field (with
 *  or without `${ }`), an object is a template. */
export function compileTransform(
  cx: ExprContext,
  value: unknown,
  variables: readonly string[],
  path: string,
): Template | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    return { t: 'expr', expr: compileExpr(cx, unwrap(value) ?? value, variables, path) };
  }
  return compileTemplate(cx, value, variables, path);
}

/** RFC 6901 escaping of one pointer segment. */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
