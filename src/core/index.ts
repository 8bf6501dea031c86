// The pure core interpreter's public API (the runtime codes against exactly this).
//
//   const execution = new Execution(ir, { executionId, secrets, runtime, limits, validateSchema });
//   const commands = execution.apply([executionStartedEvent]);   // -> Schedule*, ...
//   // the runtime records each Schedule* as its ...Started event (same effectId),
//   // performs it, records the outcome event, and feeds it back:
//   execution.apply([taskCompletedEvent]);                      // -> more commands
//   execution.status / .output / .error
//
//   const { execution, commands } = replay(ir, ctx, history);   // recovery
export { Execution } from './execution.js';
export type { ExecutionStatus } from './execution.js';
export { replay } from './replay.js';
export { DeterminismError, ERROR_BASE, LEGACY_ERROR_BASE } from './problems.js';
export type { ExecutionContext, TaskTrace, ValidateSchema } from './state.js';
export type { CoreLimits } from './limits.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { Command } from './commands.js';
export type { WorkflowIR } from '../dsl/ir.js';
