// What a task kind's implementation receives. The recursion into task lists is passed
// in (runList/runTask) so that tasks/*.ts and run-task.ts import no cycle.

import type { Json } from '../history/events.js';
import type { DurationIR, TaskIR, TaskList, Then } from '../dsl/ir.js';
import { durationToMs } from '../dsl/compile-duration.js';
import type { Frame } from './evaluate.js';
import { evalExpr } from './evaluate.js';
import { fault } from './problems.js';
import type { Co } from './instructions.js';
import type { Rt, Scope } from './state.js';

/** How a task list ended: normally (or by `exit`), or with `end` / `break` to pass up. */
export interface ListResult {
  output: Json;
  signal?: 'end' | 'break';
  /** The list ended through `then: exit` (extensions use it to bypass the extended task). */
  exited?: boolean;
}

/** A task's result; `then` overrides the task's own `then` (switch cases, end, break). */
export interface KindResult {
  output: Json;
  then?: Then;
  /** $authorization for the task's output.as and export.as (call tasks; authorization.ts). */
  authorization?: Json;
}

export interface TaskEnv<T extends TaskIR = TaskIR> {
  rt: Rt;
  task: T;
  /** The task's transformed input ($input). */
  input: Json;
  scope: Scope;
  frame: Frame;
  runList(list: TaskList, input: Json, scope: Scope): Co<ListResult>;
  runTask(task: TaskIR, input: Json, scope: Scope): Co<{ output: Json; then: Then }>;
}

/** A nested list's signal as the composite task's own `then`. */
export function signalThen(result: ListResult): KindResult {
  return result.signal
    ? { output: result.output, then: { kind: result.signal } }
    : { output: result.output };
}

export function resolveMs(rt: Rt, d: DurationIR, input: Json, scope: Scope, frame: Frame): number {
  if ('ms' in d) return d.ms;
  const ms = durationToMs(evalExpr(rt, d.expr, input, scope, frame));
  if (typeof ms === 'string') throw fault('expression', frame.where, 'Invalid duration', ms);
  return ms;
}
