// The errors the engine's API throws; each carries an RFC 7807 problem.
import type { WorkflowRef } from '../history/events.js';
import { ProblemError, problem } from './problems.js';
import { refKey } from './registry.js';

/** The execution faulted: `problem` is its error. */
export class ExecutionFaultedError extends ProblemError {
  constructor(
    readonly executionId: string,
    p: ConstructorParameters<typeof ProblemError>[0],
  ) {
    super(p, false);
    this.name = 'ExecutionFaultedError';
  }
}

/** The input does not match the workflow's input.schema (a 400 validation problem). */
export class InputValidationError extends ProblemError {
  constructor(
    readonly errors: string[],
    ref: WorkflowRef,
  ) {
    super(
      problem(
        'validation',
        'Invalid workflow input',
        `input of ${refKey(ref)}: ${errors.join('; ')}`,
        { errors },
      ),
      false,
    );
    this.name = 'InputValidationError';
  }
}
