// A diagnostic is one problem found in a workflow document: where (JSON pointer and
// line:col in the source text) and what, in words a person can act on. Parsing and
// validation collect every problem at once instead of stopping at the first.

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  /** JSON pointer (RFC 6901) of the value concerned, '' for the whole document. */
  path: string;
  /** 1-based line and column in the source text. */
  line: number;
  col: number;
  message: string;
  /** Absent means 'error'. Warnings never make a document invalid. */
  severity?: Severity;
  /** Index of the YAML document in a file holding several (`---`); absent when one. */
  document?: number;
}

export function isError(d: Diagnostic): boolean {
  return d.severity !== 'warning';
}

/** `file:line:col: message (at /do/0/x/set)`; warnings are prefixed with `warning: `. */
export function formatDiagnostic(d: Diagnostic, filename = '<input>'): string {
  const where = d.path === '' ? '' : ` (at ${d.path})`;
  const level = d.severity === 'warning' ? 'warning: ' : '';
  return `${filename}:${d.line}:${d.col}: ${level}${d.message}${where}`;
}

/** Escapes one reference token of a JSON pointer (RFC 6901: ~ -> ~0, / -> ~1). */
export function escapeToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Appends reference tokens to a JSON pointer. */
export function pointer(base: string, ...tokens: (string | number)[]): string {
  return tokens.reduce<string>((p, t) => `${p}/${escapeToken(t)}`, base);
}

/** An RFC 7807 problem for a document that did not validate (DSL error type `validation`). */
export interface ValidationProblem {
  type: string;
  status: 400;
  title: string;
  detail: string;
  /** Every diagnostic, errors and warnings. */
  errors: Diagnostic[];
}

/**
 * The problem object the HTTP API and the runtime report for an invalid document:
 * the DSL's standard `validation` error, with every diagnostic under `errors`.
 */
export function validationProblem(diagnostics: Diagnostic[], filename?: string): ValidationProblem {
  const errors = diagnostics.filter(isError);
  const first = errors[0] ?? diagnostics[0];
  const where = first ? formatDiagnostic(first, filename) : 'no diagnostics';
  const count = errors.length === 1 ? '1 problem' : `${errors.length} problems`;
  return {
    type: 'https://serverlessworkflow.io/spec/1.0.0/errors/validation',
    status: 400,
    title: 'Invalid workflow document',
    detail: `${count}; the first: ${where}`,
    errors: diagnostics,
  };
}
