// Checks of values that appear all over a document: expressions, value templates,
// durations and date-times.
import type { Scope } from './expressions.js';
import { checkExpressionText, expressionText, isRuntimeExpression } from './expressions.js';
import { describe, isObject, sub } from './validate-context.js';
import type { Validation } from './validate-refs.js';

/** An expression-only field: jq with or without `${ }`. */
export function checkExpression(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope,
): void {
  if (!val.ctx.string(v, path, name)) return;
  compileAt(val, v, path, name, scope);
}

function compileAt(val: Validation, text: string, path: string, name: string, scope: Scope) {
  const jq = expressionText(text);
  const problem = checkExpressionText(jq, scope.variables);
  if (problem !== undefined) {
    val.ctx.report(path, `'${name}' is not a valid jq expression: ${problem}`);
    return;
  }
  // DSL 1.0 declares the secrets a workflow uses in use.secrets. weft's runtime hands
  // an execution every secret it knows, so an undeclared one still works: a warning.
  for (const m of jq.matchAll(
    /\$secrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*"([^"\\]+)"\s*\])/g,
  )) {
    const secret = (m[1] ?? m[2])!;
    if (!val.use.secrets.has(secret)) {
      val.ctx.report(
        path,
        `'${name}' uses $secrets.${secret}, which is not declared in use.secrets`,
        'warning',
      );
    }
  }
}

/**
 * A value template: any JSON value in which strings that are exactly `${ ... }` are
 * expressions (set, with, body, headers, event data, ...). Checks that they compile.
 */
export function checkTemplate(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope,
): void {
  if (typeof v === 'string') {
    if (isRuntimeExpression(v)) compileAt(val, v, path, name, scope);
  } else if (Array.isArray(v)) {
    v.forEach((item, i) => checkTemplate(val, item, `${path}/${i}`, sub(name, i), scope));
  } else if (isObject(v)) {
    for (const [k, item] of Object.entries(v)) {
      const token = k.replace(/~/g, '~0').replace(/\//g, '~1');
      checkTemplate(val, item, `${path}/${token}`, sub(name, k), scope);
    }
  }
}

/** A string that must be a runtime expression `${ ... }`; checks it compiles. */
export function checkRuntimeExpression(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope,
): void {
  if (typeof v !== 'string' || !isRuntimeExpression(v)) {
    val.ctx.report(
      path,
      `'${name}' must be a runtime expression like \${ .x }, got ${describe(v)}`,
    );
    return;
  }
  compileAt(val, v, path, name, scope);
}

// The schema's ISO 8601 duration pattern (years .. seconds, fractions allowed).
const ISO_DURATION =
  /^P(?!$)(\d+(?:\.\d+)?Y)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?W)?(\d+(?:\.\d+)?D)?(T(?=\d)(\d+(?:\.\d+)?H)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?S)?)?$/;
const DURATION_UNITS = ['days', 'hours', 'minutes', 'seconds', 'milliseconds'];

export function isIsoDuration(s: string): boolean {
  return ISO_DURATION.test(s);
}

/** `{days, hours, minutes, seconds, milliseconds}`, an ISO 8601 duration, or `${ }`. */
export function checkDuration(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope,
): void {
  const { ctx } = val;
  if (typeof v === 'string') {
    if (isRuntimeExpression(v)) compileAt(val, v, path, name, scope);
    else if (!ISO_DURATION.test(v)) {
      ctx.report(
        path,
        `'${name}' must be an ISO 8601 duration like PT30S, a mapping like {seconds: 30}, or a runtime expression, got ${describe(v)}`,
      );
    }
    return;
  }
  if (!isObject(v)) {
    ctx.report(
      path,
      `'${name}' must be a duration (ISO 8601 like PT30S, or a mapping like {seconds: 30}), got ${describe(v)}`,
    );
    return;
  }
  if (Object.keys(v).length === 0) {
    ctx.report(
      path,
      `'${name}' is an empty duration; give at least one of ${DURATION_UNITS.join(', ')}`,
    );
    return;
  }
  const props = Object.fromEntries(
    DURATION_UNITS.map((u) => [u, (x: unknown, p: string, n: string) => ctx.integer(x, p, n)]),
  );
  ctx.object(v, path, name, { props });
}

// RFC 3339 date-time (what JSON Schema's `date-time` format means).
const DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

export function isDateTime(s: string): boolean {
  return DATE_TIME.test(s);
}

/** An absolute time: RFC 3339 / ISO 8601 date-time, or a runtime expression. */
export function checkDateTime(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope,
): void {
  if (typeof v === 'string' && isRuntimeExpression(v)) return compileAt(val, v, path, name, scope);
  if (typeof v === 'string' && DATE_TIME.test(v)) return;
  val.ctx.report(
    path,
    `'${name}' must be an ISO 8601 date-time like 2026-01-31T09:00:00Z or a runtime expression, got ${describe(v)}`,
  );
}
