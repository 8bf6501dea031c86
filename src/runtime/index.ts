// The runtime's public surface: the engine, registered functions' helpers, the seams.
export { createEngine, Engine, ExecutionFaultedError, InputValidationError } from './engine.js';
export type { EngineOptions, ExecutionHandle, StartOptions, StartTarget } from './engine.js';
export type { FunctionContext, WeftFunction } from './functions.js';
export type { HistoryStore } from './history-store.js';
export { MemoryHistoryStore } from './history-store.js';
export type { Clock } from './clock.js';
export { ManualClock, systemClock } from './clock.js';
export type { EngineEvents } from './hooks.js';
export { ProblemError, retryable, terminal, toProblem, errorTypes } from './problems.js';
export { WorkflowDefinitionError } from './registry.js';
export type { Outcome } from './runner.js';
