// Problems (RFC 7807) that the runtime puts in TaskFaulted / ExecutionFaulted events, and
// the error classes that carry them through JavaScript code (STYLE.md 10: errors grouped
// by what the caller should do). A registered function throws `terminal(...)` or
// `retryable(...)` to choose the problem it faults with; anything else it throws becomes
// a runtime error problem.
import type { Json, Problem } from '../history/events.js';

const base = 'https://serverlessworkflow.io/spec/1.0.0/errors/';

/** The DSL's standard error types and their default statuses. */
export const errorTypes = {
  configuration: { type: `${base}configuration`, status: 400 },
  validation: { type: `${base}validation`, status: 400 },
  expression: { type: `${base}expression`, status: 400 },
  authentication: { type: `${base}authentication`, status: 401 },
  authorization: { type: `${base}authorization`, status: 403 },
  timeout: { type: `${base}timeout`, status: 408 },
  communication: { type: `${base}communication`, status: 500 },
  runtime: { type: `${base}runtime`, status: 500 },
} as const;

export type ErrorKind = keyof typeof errorTypes;

/** Builds a problem of one of the standard types. */
export function problem(
  kind: ErrorKind,
  title: string,
  detail?: string,
  extra: { status?: number; [k: string]: Json | undefined } = {},
): Problem {
  const p: Problem = { type: errorTypes[kind].type, status: errorTypes[kind].status, title };
  if (detail !== undefined) p.detail = detail;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) p[k] = v;
  return p;
}

/** An Error that carries a Problem. `retryable` says whether a retry may succeed. */
export class ProblemError extends Error {
  constructor(
    readonly problem: Problem,
    readonly retryable = true,
  ) {
    super(
      problem.detail
        ? `${problem.title ?? problem.type}: ${problem.detail}`
        : (problem.title ?? problem.type),
    );
    this.name = 'ProblemError';
  }
}

/** Thrown by a registered function: the call faults with `problem`; do not retry it. */
export function terminal(p: Partial<Problem> & { title: string }): ProblemError {
  return new ProblemError(complete(p), false);
}

/** Thrown by a registered function: the call faults with `problem`; a retry may succeed. */
export function retryable(p: Partial<Problem> & { title: string }): ProblemError {
  return new ProblemError(complete(p), true);
}

function complete(p: Partial<Problem> & { title: string }): Problem {
  return {
    ...p,
    type: p.type ?? errorTypes.runtime.type,
    status: p.status ?? errorTypes.runtime.status,
  };
}

/** Any thrown value -> a Problem (the one it carries, or a runtime error naming it). */
export function toProblem(err: unknown, fallback: ErrorKind = 'runtime'): Problem {
  if (err instanceof ProblemError) return err.problem;
  if (isProblem(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return problem(fallback, fallback === 'runtime' ? 'Runtime error' : 'Error', message);
}

export function isProblem(v: unknown): v is Problem {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Problem).type === 'string' &&
    typeof (v as Problem).status === 'number'
  );
}
