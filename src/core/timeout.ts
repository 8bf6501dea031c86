// Timeouts (task `timeout`, workflow `timeout`, retry `limit.attempt.duration`): the
// body races a durable timer. Pure bodies finish before the timer is even scheduled;
// otherwise, when the body wins the timer is cancelled (CancelEffect), and when the
// timer fires the body is cancelled (its in-flight effects get CancelEffect, its
// finally blocks run) and the timeout error is raised, which `try` can catch.

import type { Problem } from '../history/events.js';
import { problem, WorkflowFault } from './problems.js';
import type { Co } from './instructions.js';
import { each, effect, join } from './instructions.js';
import type { Rt } from './state.js';

const FIRED = Symbol('timer fired');

export function* withTimeout<T>(
  rt: Rt,
  ms: number | undefined,
  taskId: string,
  purpose: 'timeout' | 'workflow-timeout',
  body: () => Co<T>,
): Co<T> {
  if (ms === undefined) return yield* body();
  const fireAt = rt.now + ms;
  function* timer(): Co<typeof FIRED> {
    yield* effect((effectId) => ({ type: 'ScheduleTimer', effectId, taskId, purpose, fireAt }));
    return FIRED;
  }
  const [won, fired] = yield* join(each([body, timer]), 1, 0);
  if (won) {
    if (won.ok) return won.value as T;
    throw won.error;
  }
  if (fired?.ok) throw new WorkflowFault(timeoutProblem(taskId, ms));
  throw fired ? fired.error : new Error('timeout race ended without a winner');
}

export function timeoutProblem(taskId: string, ms: number): Problem {
  return problem('timeout', taskId, 'Timeout', `${taskId} did not complete within ${ms} ms`);
}
