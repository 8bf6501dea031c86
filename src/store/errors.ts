// Store errors, grouped by what the caller should do (STYLE.md 10). Each has a stable
// `code` and turns into an RFC 7807 problem object; the server maps `status` to HTTP
// in one place (STYLE.md 11).
//
//   NotFound (404)       the thing named does not exist
//   Conflict (409)       duplicate id, workflow version with another hash, closed execution
//   IdempotencyConflict  same idempotency key, different workflow or input (422)
//   SequenceMismatch     another writer appended first: reload and retry (409, retryable)
//   LeaseLost            another worker claimed the execution's work: drop it (409)
//   LimitExceeded        a payload or a history is too big (413 / 422); names the limit
//   StoreCorrupt         the file failed its integrity check at open (not HTTP)

import type { Problem } from '../history/events.js';

const base = 'https://weft.dev/problems/store/';

export abstract class StoreError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  /** True when retrying the same operation after reloading may succeed. */
  readonly retryable: boolean = false;

  toProblem(): Problem {
    return { type: base + this.code, status: this.status, title: this.name, detail: this.message };
  }
}

export class NotFoundError extends StoreError {
  override readonly name = 'NotFoundError';
  readonly code = 'not-found';
  readonly status = 404;
}

export class ConflictError extends StoreError {
  override readonly name = 'ConflictError';
  readonly code = 'conflict';
  readonly status = 409;
}

export class IdempotencyConflictError extends StoreError {
  override readonly name = 'IdempotencyConflictError';
  readonly code = 'idempotency-conflict';
  readonly status = 422;
  constructor(
    readonly idempotencyKey: string,
    readonly existingExecutionId: string,
    what: string,
  ) {
    super(
      `idempotency key "${idempotencyKey}" already started execution ${existingExecutionId} ` +
        `with a different ${what}`,
    );
  }
}

export class SequenceMismatchError extends StoreError {
  override readonly name = 'SequenceMismatchError';
  readonly code = 'sequence-mismatch';
  readonly status = 409;
  override readonly retryable = true;
  constructor(
    readonly executionId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(
      `execution ${executionId}: commit expected next sequence number ${expected}, ` +
        `but the history is at ${actual} (another writer appended first)`,
    );
  }
}

export class LeaseLostError extends StoreError {
  override readonly name = 'LeaseLostError';
  readonly code = 'lease-lost';
  readonly status = 409;
  constructor(
    readonly executionId: string,
    readonly key: string,
    readonly worker: string,
    holder: string | undefined,
  ) {
    super(
      `execution ${executionId}: worker ${worker} no longer holds work item ${key} ` +
        (holder ? `(worker ${holder} claimed it)` : '(it is gone)'),
    );
  }
}

export type LimitName = 'maxPayloadBytes' | 'maxHistoryEvents' | 'maxHistoryBytes';

export class LimitExceededError extends StoreError {
  override readonly name = 'LimitExceededError';
  readonly code = 'limit-exceeded';
  readonly status: number;
  constructor(
    readonly limit: LimitName,
    readonly max: number,
    readonly actual: number,
    where: string,
  ) {
    super(`${where}: ${actual} exceeds the limit ${limit} = ${max}`);
    this.status = limit === 'maxPayloadBytes' ? 413 : 422;
  }

  override toProblem(): Problem {
    return { ...super.toProblem(), limit: this.limit, max: this.max, actual: this.actual };
  }
}

export class StoreCorruptError extends StoreError {
  override readonly name = 'StoreCorruptError';
  readonly code = 'corrupt';
  readonly status = 500;
}

/** Another process serves this store (SQLite: one serving process per file). */
export class StoreInUseError extends StoreError {
  override readonly name = 'StoreInUseError';
  readonly code = 'in-use';
  readonly status = 409;
}

/** The request itself is malformed (a bug in the caller, not a state of the store). */
export class InvalidRequestError extends StoreError {
  override readonly name = 'InvalidRequestError';
  readonly code = 'invalid-request';
  readonly status = 400;
}

/**
 * The store cannot take the write now, and nothing of it was written, or (PostgreSQL, a
 * connection lost during COMMIT) it cannot tell: another connection held the write lock
 * past the busy timeout, the connection was lost, the disk is full, an I/O error. Retry
 * later; the engine resumes the execution from its stored history.
 */
export class StoreBusyError extends StoreError {
  override readonly name = 'StoreBusyError';
  readonly code = 'busy';
  readonly status = 503;
  override readonly retryable = true;
}

/** The store was closed; nothing more can be done with it. */
export class StoreClosedError extends StoreError {
  override readonly name = 'StoreClosedError';
  readonly code = 'closed';
  readonly status = 503;
}
