// The DSL front end: workflow text -> validated documents, or diagnostics.
//
//   const { documents, diagnostics } = loadWorkflows(text, { filename: 'order.yaml' });
//   for (const d of diagnostics) console.error(formatDiagnostic(d, 'order.yaml'));
//
// `documents` is non-empty only when there is no error diagnostic (warnings allowed).
import type { Diagnostic } from './diagnostic.js';
import { isError } from './diagnostic.js';
import type { WorkflowDocument } from './document.js';
import type { ParseLimits, Positions } from './parse.js';
import { parseDocuments } from './parse.js';
import { validate } from './validate.js';

export type { Diagnostic, Severity } from './diagnostic.js';
export { formatDiagnostic, isError, validationProblem } from './diagnostic.js';
export type { ValidationProblem } from './diagnostic.js';
export type { Positions, SourcePosition, ParseLimits } from './parse.js';
export { DEFAULT_PARSE_LIMITS, parseDocuments } from './parse.js';
export { validate, SUPPORTED_DSL_VERSIONS } from './validate.js';
export type { ValidateOptions } from './validate.js';
export { setExpressionChecker } from './expressions.js';
export type { ExpressionChecker } from './expressions.js';
export type * from './document.js';

export interface LoadOptions {
  /** Used to tell JSON from YAML (`*.json`) and in nothing else. */
  filename?: string;
  /** Reject weft extensions. */
  strict?: boolean;
  /** Report features weft cannot run yet as errors (registration, `weft run`). */
  supportedOnly?: boolean;
  limits?: Partial<ParseLimits>;
}

export interface LoadedWorkflow {
  value: WorkflowDocument;
  /** JSON pointer -> line:col in the text. */
  positions: Positions;
}

export interface LoadResult {
  documents: LoadedWorkflow[];
  diagnostics: Diagnostic[];
}

/** Parses and validates every document in the text (YAML `---` sections or JSON). */
export function loadWorkflows(text: string, options: LoadOptions = {}): LoadResult {
  const parsed = parseDocuments(text, { filename: options.filename, limits: options.limits });
  const diagnostics = [...parsed.diagnostics];
  const several = parsed.documents.length > 1 || parsed.documents.some((d) => d.index > 0);
  for (const doc of parsed.documents) {
    const found = validate(doc.value, {
      positions: doc.positions,
      strict: options.strict,
      supportedOnly: options.supportedOnly,
    });
    for (const d of found) diagnostics.push(several ? { ...d, document: doc.index } : d);
  }
  const failed = diagnostics.some(isError);
  return {
    documents: failed
      ? []
      : parsed.documents.map((d) => ({
          value: d.value as WorkflowDocument,
          positions: d.positions,
        })),
    diagnostics,
  };
}
