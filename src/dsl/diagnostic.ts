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
