// Errors become HTTP responses here and nowhere else (STYLE.md 11): the app's onError
// calls toProblemResponse. Every error body is an RFC 7807 problem object served as
// application/problem+json; its `status` is the HTTP status.
import { HTTPException } from 'hono/http-exception';
import { validationProblem } from '../dsl/index.js';
import type { Problem } from '../history/events.js';
import { InputValidationError } from '../runtime/errors.js';
import { ProblemError } from '../runtime/problems.js';
import { StoreError } from '../store/errors.js';
import { InvalidWorkflowError, NotImplementedError } from './port.js';

const base = 'https://weft.dev/problems/http/';

/** An error the server raises itself (auth, bad request, conflict on a hook...). */
export class HttpProblem extends Error {
  readonly problem: Problem;
  constructor(
    status: number,
    code: string,
    title: string,
    detail: string,
    extra: Problem | object = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
    this.problem = { type: base + code, status, title, detail, ...extra };
  }
}

export const badRequest = (detail: string, extra: object = {}) =>
  new HttpProblem(400, 'bad-request', 'Bad request', detail, extra);
export const unauthorized = (detail: string) =>
  new HttpProblem(401, 'unauthorized', 'Unauthorized', detail);
export const forbidden = (detail: string) => new HttpProblem(403, 'forbidden', 'Forbidden', detail);
export const notFound = (detail: string) => new HttpProblem(404, 'not-found', 'Not found', detail);
export const conflict = (detail: string) => new HttpProblem(409, 'conflict', 'Conflict', detail);
export const unsupportedMedia = (detail: string) =>
  new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type', detail);

/** The problem object (with its HTTP status) for anything thrown by a route. */
export function toProblem(err: unknown): Problem {
  if (err instanceof HttpProblem) return err.problem;
  if (err instanceof StoreError) return err.toProblem();
  if (err instanceof InvalidWorkflowError) {
    return { ...validationProblem(err.diagnostics), status: 422 } as unknown as Problem;
  }
  if (err instanceof InputValidationError) return { ...err.problem, status: 422 };
  if (err instanceof ProblemError) return err.problem;
  if (err instanceof NotImplementedError)
    return {
      type: base + 'not-implemented',
      status: 501,
      title: 'Not implemented',
      detail: err.message,
    };
  if (err instanceof HTTPException)
    return { type: base + 'http', status: err.status, title: 'HTTP error', detail: err.message };
  return {
    type: base + 'internal',
    status: 500,
    title: 'Internal server error',
    detail: err instanceof Error ? err.message : String(err),
  };
}

export function problemResponse(p: Problem): Response {
  const status = p.status >= 400 && p.status <= 599 ? p.status : 500;
  return new Response(JSON.stringify({ ...p, status }), {
    status,
    // a 413 may answer before the body was read: the connection cannot be reused
    headers: {
      'content-type': 'application/problem+json',
      ...(status === 413 ? { connection: 'close' } : {}),
    },
  });
}
