// Store failures as the durable engine sees them: which ones mean "this process no longer
// owns the execution" (stop, write nothing) and how the others become RFC 7807 problems.
import type { Problem } from '../../history/events.js';
import {
  IdempotencyConflictError,
  LeaseLostError,
  LimitExceededError,
  SequenceMismatchError,
  StoreBusyError,
  StoreClosedError,
} from '../../store/errors.js';
import { ProblemError, problem } from '../problems.js';
import type { Outcome } from '../started.js';
import type { ExecutionStatus } from '../../store/types.js';

/**
 * A runner appended to an execution that was loaded again in this process since its
 * history was read: another runner drives it now, so this one's step is not written.
 * lost() counts it (the runner stops silently).
 */
export class StaleRunnerError extends Error {
  override readonly name = 'StaleRunnerError';
  constructor(readonly executionId: string) {
    super(
      `execution ${executionId}: this runner's history was loaded again for another runner; its step is not written`,
    );
  }
}

/**
 * Another writer owns the execution (another process, or another runner here: lanes.ts),
 * the store closed, or the store could not tell whether the step was written (a
 * connection lost during COMMIT, a database restart: StoreBusyError): the runner must stop
 * silently and the execution be resumed from its stored history, by this worker or
 * another once its claim lapses. Faulting it instead would end a healthy execution
 * because the database restarted.
 */
export function lost(error: unknown): boolean {
  return (
    error instanceof SequenceMismatchError ||
    error instanceof LeaseLostError ||
    error instanceof StoreClosedError ||
    error instanceof StoreBusyError ||
    error instanceof StaleRunnerError
  );
}

/** A step that failed at the store: a limit names itself; anything else is internal. */
export function failure(error: unknown): Problem {
  if (error instanceof LimitExceededError)
    return problem('runtime', 'Limit exceeded', error.message, {
      status: error.status,
      limit: error.limit,
      max: error.max,
      actual: error.actual,
    });
  return problem(
    'runtime',
    'Internal error',
    error instanceof Error ? error.message : String(error),
  );
}

/** Errors of start(): the caller gets a ProblemError with the right status. */
export function startError(error: unknown): unknown {
  if (error instanceof IdempotencyConflictError)
    return new ProblemError(
      problem('validation', 'Idempotency key reused', error.message, {
        status: 409,
        executionId: error.existingExecutionId,
      }),
      false,
    );
  if (error instanceof LimitExceededError) return new ProblemError(failure(error), false);
  return error;
}

/** The outcome a finished execution's stored status stands for. */
export function outcomeOf(status: ExecutionStatus): Outcome | undefined {
  switch (status.state) {
    case 'completed':
      return { status: 'completed', output: status.output };
    case 'faulted':
      return { status: 'faulted', error: status.error };
    case 'cancelled':
      return status.reason === undefined
        ? { status: 'cancelled' }
        : { status: 'cancelled', reason: status.reason };
    default:
      return undefined;
  }
}
