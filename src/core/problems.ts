// Workflow errors are RFC 7807 problem objects (DSL 1.0 "Error"). Inside the
// interpreter a problem travels as a thrown WorkflowFault, so task semantics read like
// the spec (try/catch in generator code). Cancellation travels as a CancelSignal,
// which DSL `catch` never catches but `finally` blocks (JS and weft's try.finally) see.

import type { Json, Problem } from '../history/events.js';

export const ERROR_BASE = 'https://serverlessworkflow.io/spec/1.0.0/errors/';
/** The older spelling seen in the conformance kit; matches the same errors. */
export const LEGACY_ERROR_BASE = 'https://serverlessworkflow.io/dsl/errors/types/';

export type ErrorKind =
  | 'configuration'
  | 'validation'
  | 'expression'
  | 'authentication'
  | 'authorization'
  | 'timeout'
  | 'communication'
  | 'runtime';

const STATUS: Record<ErrorKind, number> = {
  configuration: 400,
  validation: 400,
  expression: 400,
  authentication: 401,
  authorization: 403,
  timeout: 408,
  communication: 500,
  runtime: 500,
};

export function problem(
  kind: ErrorKind,
  instance: string,
  title: string,
  detail?: string,
): Problem {
  const p: Problem = { type: ERROR_BASE + kind, status: STATUS[kind], title, instance };
  if (detail !== undefined) p.detail = detail;
  return p;
}

/** Both spellings of a standard error type compare equal. */
export function normalizeErrorType(type: string): string {
  return type.startsWith(LEGACY_ERROR_BASE)
    ? ERROR_BASE + type.slice(LEGACY_ERROR_BASE.length)
    : type;
}

export class WorkflowFault extends Error {
  constructor(readonly problem: Problem) {
    super(problem.title ?? problem.type);
    this.name = 'WorkflowFault';
  }
}

export function fault(
  kind: ErrorKind,
  instance: string,
  title: string,
  detail?: string,
): WorkflowFault {
  return new WorkflowFault(problem(kind, instance, title, detail));
}

export class CancelSignal extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelSignal';
  }
}

/** Replay met a recorded effect the interpreter did not schedule the same way. */
export class DeterminismError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeterminismError';
  }
}

/** Any thrown value -> a problem (a bug in the interpreter becomes a runtime error). */
export function toProblem(e: unknown, instance: string): Problem {
  if (e instanceof WorkflowFault) return e.problem;
  const message = e instanceof Error ? e.message : String(e);
  return problem('runtime', instance, 'Runtime error', message);
}

export function isProblem(v: Json | undefined): v is Problem & Json {
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    typeof v.type === 'string' &&
    typeof v.status === 'number'
  );
}
