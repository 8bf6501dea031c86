// Runtime expressions in documents, and the check that they compile.
//
// A string that is exactly `${ ... }` (surrounding blanks allowed) is an expression;
// expression-only fields (if, when, exceptWhen, for.in, while, input.from, output.as,
// export.as, switch when, ...) hold jq with or without the `${ }` wrapper.
//
// Expressions are compiled by src/jq with the `$variables` in scope at their place
// (so `$item` outside a `for` is an error). The check sits behind
// `setExpressionChecker` so an embedding application or a test can swap it.
import { compile } from '../jq/index.js';

/** Variables every expression may use (DSL 1.0 "runtime expression arguments"). */
export const BASE_VARIABLES: readonly string[] = [
  'context',
  'input',
  'output',
  'workflow',
  'task',
  'runtime',
  'secrets',
  'authorization',
];

/** What is in scope where an expression is written. */
export interface Scope {
  /** `$names` an expression may use, without the `$`. */
  variables: readonly string[];
  /** Inside a `for` (so `then: break` is allowed). */
  inFor: boolean;
}

export const ROOT_SCOPE: Scope = { variables: BASE_VARIABLES, inFor: false };

export function withVariables(scope: Scope, ...names: string[]): Scope {
  return { ...scope, variables: [...new Set([...scope.variables, ...names])] };
}

/** Checks jq text; returns a message when it does not compile, else undefined. */
export type ExpressionChecker = (text: string, variables: readonly string[]) => string | undefined;

const RUNTIME_EXPRESSION = /^\s*\$\{([\s\S]*)\}\s*$/;

export function isRuntimeExpression(s: string): boolean {
  return RUNTIME_EXPRESSION.test(s);
}

/** The jq text of an expression, with or without its `${ }` wrapper. */
export function expressionText(s: string): string {
  const m = RUNTIME_EXPRESSION.exec(s);
  return (m ? m[1]! : s).trim();
}

/** src/jq's compile; the message names the place inside multi-line expressions. */
export const jqCheck: ExpressionChecker = (text, variables) => {
  const result = compile(text, { variables });
  if (result.ok) return undefined;
  return result.diagnostics
    .map((d) =>
      d.line > 1
        ? `${d.message} (line ${d.line}, column ${d.col} of the expression)`
        : `${d.message} (column ${d.col})`,
    )
    .join('; ');
};

let checker: ExpressionChecker = jqCheck;

/** Replaces the expression check (default: jqCheck). */
export function setExpressionChecker(fn: ExpressionChecker): void {
  checker = fn;
}

export function checkExpressionText(
  text: string,
  variables: readonly string[],
): string | undefined {
  if (text.trim() === '') return 'the expression is empty';
  return checker(text, variables);
}
