// Runtime expressions in documents, and the check that they compile.
//
// A string that is exactly `${ ... }` (surrounding blanks allowed) is an expression;
// expression-only fields (if, when, exceptWhen, for.in, while, input.from, output.as,
// export.as, switch when, ...) hold jq with or without the `${ }` wrapper.
//
// The compile check is behind `setExpressionChecker` so the validator does not depend
// on how jq is implemented: src/dsl/index.ts installs src/jq's `compile`. The default
// below only checks the shape (brackets, strings, known `$variables`), which is what
// the validator can say without a jq compiler.

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

let checker: ExpressionChecker = shapeCheck;

/** Installs the jq compile check (src/dsl/index.ts does, with src/jq's compile). */
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

const CLOSERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/**
 * The interim check: brackets balance, strings end, and `$variables` are in scope
 * (skipped when the expression binds its own with `as` or `def`).
 */
export function shapeCheck(text: string, variables: readonly string[]): string | undefined {
  // Stack of open brackets; '"' marks a string, 'i' an interpolation `\(` inside one.
  const stack: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const top = stack[stack.length - 1];
    if (top === '"') {
      if (c === '\\') {
        if (text[i + 1] === '(') {
          stack.push('i');
          i++;
        } else i++;
      } else if (c === '"') stack.pop();
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"') stack.push('"');
    else if (c in CLOSERS) stack.push(c);
    else if (c === ')' || c === ']' || c === '}') {
      const open = stack.pop();
      const expected = open === 'i' ? ')' : open === undefined ? undefined : CLOSERS[open];
      if (expected !== c) return `unexpected '${c}' at offset ${i}`;
    }
  }
  const open = stack[stack.length - 1];
  if (open === '"') return 'unterminated string';
  if (open !== undefined) return `unclosed '${open === 'i' ? '\\(' : open}'`;
  if (!/\bas\b|\bdef\b/.test(text)) {
    for (const m of text.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)) {
      const name = m[1]!;
      if (name !== 'ENV' && name !== '__loc__' && !variables.includes(name)) {
        return `$${name} is not defined here (in scope: ${variables.map((v) => '$' + v).join(' ')})`;
      }
    }
  }
  return undefined;
}
