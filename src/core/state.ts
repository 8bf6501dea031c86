// What every fiber of one execution shares (Rt) and what each scope adds (Scope).

import type { Json } from '../history/events.js';
import type { WorkflowIR } from '../dsl/ir.js';
import type { CoreLimits } from './limits.js';
import type { Random } from './prng.js';

/** JSON Schema validation is passed in (core does not bundle ajv): errors or null. */
export type ValidateSchema = (schema: Json, value: Json) => string[] | null;

export interface ExecutionContext {
  executionId: string;
  /** $secrets; never recorded in history by the core. */
  secrets?: Record<string, Json>;
  /** $runtime. */
  runtime?: { name: string; version: string };
  limits?: Partial<CoreLimits>;
  /** Validates input/output/export schemas; without it schemas are not checked. The
   *  argument is the schema's `document` when given inline, else the DSL schema object. */
  validateSchema?: ValidateSchema;
  /** Called as tasks start and end, pure ones included (they leave no history of their
   *  own): for the CTK's run-order steps, the UI and logs. replay() calls it again for
   *  replayed tasks; `replaying` is true while recorded events are applied by replay(). */
  trace?: (event: TaskTrace) => void;
}

export interface TaskTrace {
  phase: 'started' | 'completed' | 'faulted' | 'cancelled' | 'skipped';
  taskId: string;
  name: string;
  kind: string;
  /** The event time while the task started or ended (the interpreter's now). */
  time: number;
  replaying: boolean;
}

export interface Rt {
  readonly ir: WorkflowIR;
  readonly ctx: ExecutionContext;
  readonly limits: CoreLimits;
  /** Milliseconds since the epoch: the `time` of the event being applied. */
  now: number;
  random: Random;
  /** $context: starts as {} (DESIGN.md), replaced by each export.as. */
  context: Json;
  /** $workflow. */
  workflow: Json;
  /** Steps run in this activation (see CoreLimits.maxStepsPerActivation). */
  steps: number;
  replaying: boolean;
}

export function trace(
  rt: Rt,
  phase: TaskTrace['phase'],
  task: { id: string; name: string; kind: string },
): void {
  rt.ctx.trace?.({
    phase,
    taskId: task.id,
    name: task.name,
    kind: task.kind,
    time: rt.now,
    replaying: rt.replaying,
  });
}

export interface Scope {
  /** Variables added by enclosing for / catch / listen.foreach (names without `$`). */
  vars: Readonly<Record<string, Json>>;
  /** Encodes enclosing loop indexes, retry attempts and goto repeats: part of effect keys. */
  iter: string;
}

export function withIter(scope: Scope, segment: string): Scope {
  return { vars: scope.vars, iter: scope.iter ? `${scope.iter}.${segment}` : segment };
}

export function withVars(scope: Scope, vars: Record<string, Json>): Scope {
  return { vars: { ...scope.vars, ...vars }, iter: scope.iter };
}

/** The idempotency key of an effect: execution id + task id + iteration (DESIGN.md). */
export function effectKey(rt: Rt, taskId: string, scope: Scope): string {
  return `${rt.ctx.executionId}/${taskId}/${scope.iter || '0'}`;
}

// `now` is the same for every task of one activation; building the ISO text was the
// largest cost of a pure loop (53 of 150 ms for 20,000 iterations), so the last one is kept.
let lastDateTime: { ms: number; value: Json } | undefined;

export function dateTime(ms: number): Json {
  if (lastDateTime?.ms === ms) return lastDateTime.value;
  const value = makeDateTime(ms);
  lastDateTime = { ms, value };
  return value;
}

function makeDateTime(ms: number): Json {
  return {
    iso8601: new Date(ms).toISOString(),
    epoch: { seconds: Math.floor(ms / 1000), milliseconds: ms },
  };
}
