// `try` / `catch` / weft `finally`.
//
// A fault (never a cancellation) raised by the try list is caught when it passes
// `errors.with` (type, status, instance, title, detail; both spellings of the standard
// error types match, DESIGN.md), then `when`, then not `exceptWhen` (evaluated on the
// error, with it bound as `$<as>`, default $error). A caught error is retried while the
// retry policy allows it (see retry.ts); when the policy is exhausted the last error
// propagates (choice where the spec is silent: a retry budget that ran out is a fault,
// not a silent success). Otherwise `catch.do` runs on the try task's input with the
// error variable in scope; without `do` the output is the task's input.
// `finally` runs after try and catch whatever happened, also on cancellation; its
// output is discarded, its exports apply, an error inside it faults the task. A cancel
// arriving while it runs waits for its end (the scheduler's shield).

import type { Json, Problem } from '../../history/events.js';
import type { CatchIR, ErrorFilterIR, TryIR } from '../../dsl/ir.js';
import type { KindResult, TaskEnv } from '../env.js';
import { resolveMs, signalThen } from '../env.js';
import { test } from '../evaluate.js';
import { normalizeErrorType, WorkflowFault } from '../problems.js';
import type { Co } from '../instructions.js';
import { effect, shielded } from '../instructions.js';
import { withIter, withVars } from '../state.js';
import { withTimeout } from '../timeout.js';
import { retryDelay } from './retry.js';

export function* runTry(env: TaskEnv<TryIR>): Co<KindResult> {
  const { task } = env;
  try {
    return yield* attempts(env);
  } finally {
    const block = task.finally;
    if (block) yield* shielded(() => env.runList(block, env.input, env.scope));
  }
}

function* attempts(env: TaskEnv<TryIR>): Co<KindResult> {
  const { rt, task, input, frame } = env;
  const c = task.catch;
  const retry = c?.retry;
  const firstStart = rt.now;
  for (let attempt = 1; ; attempt++) {
    const scope = attempt > 1 ? withIter(env.scope, `r${attempt - 1}`) : env.scope;
    const attemptMs = retry?.attemptDuration
      ? resolveMs(rt, retry.attemptDuration, input, scope, frame)
      : undefined;
    try {
      const r = yield* withTimeout(rt, attemptMs, task.id, 'timeout', () =>
        env.runList(task.try, input, scope),
      );
      return signalThen(r);
    } catch (e) {
      if (!(e instanceof WorkflowFault) || !c) throw e;
      const error = e.problem as Problem & Json;
      const catchScope = withVars(env.scope, { [c.as]: error });
      if (!caught(env, c, error, catchScope)) throw e;
      if (
        retry &&
        test(rt, retry.when, error, catchScope, frame) &&
        !excepted(env, retry.exceptWhen, error, catchScope)
      ) {
        if (retry.attemptCount !== undefined && attempt >= retry.attemptCount) throw e;
        const delay = retryDelay(rt, retry, attempt, input, scope, frame);
        if (retry.duration) {
          const budget = resolveMs(rt, retry.duration, input, scope, frame);
          if (rt.now + delay - firstStart > budget) throw e;
        }
        const fireAt = rt.now + delay;
        yield* effect((effectId) => ({
          type: 'ScheduleTimer',
          effectId,
          taskId: task.id,
          purpose: 'retry',
          fireAt,
        }));
        continue;
      }
      if (!c.do) return { output: input };
      return signalThen(yield* env.runList(c.do, input, catchScope));
    }
  }
}

function excepted(
  env: TaskEnv<TryIR>,
  expr: CatchIR['exceptWhen'],
  error: Json,
  scope: ReturnType<typeof withVars>,
): boolean {
  return expr !== undefined && test(env.rt, expr, error, scope, env.frame);
}

function caught(
  env: TaskEnv<TryIR>,
  c: CatchIR,
  error: Problem & Json,
  scope: ReturnType<typeof withVars>,
): boolean {
  if (c.with && !matches(c.with, error)) return false;
  if (!test(env.rt, c.when, error, scope, env.frame)) return false;
  return !excepted(env, c.exceptWhen, error, scope);
}

export function matches(filter: ErrorFilterIR, error: Problem): boolean {
  if (
    filter.type !== undefined &&
    normalizeErrorType(filter.type) !== normalizeErrorType(error.type)
  ) {
    return false;
  }
  if (filter.status !== undefined && filter.status !== error.status) return false;
  if (filter.instance !== undefined && filter.instance !== error.instance) return false;
  if (filter.title !== undefined && filter.title !== error.title) return false;
  if (filter.detail !== undefined && filter.detail !== error.detail) return false;
  return true;
}
