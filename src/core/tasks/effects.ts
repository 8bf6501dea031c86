// The effect tasks whose result comes from outside: wait, emit, call, run workflow.
// Each schedules one effect with a stable key (execution id + task id + iteration).

import type { CloudEvent, Json } from '../../history/events.js';
import type { CacheIR, CallIR, EmitIR, RunIR, WaitIR } from '../../dsl/ir.js';
import type { KindResult, TaskEnv } from '../env.js';
import { resolveMs } from '../env.js';
import { evalExpr, evalTemplate } from '../evaluate.js';
import { fault } from '../problems.js';
import { randomUuid } from '../prng.js';
import type { Co } from '../instructions.js';
import { effect, fire } from '../instructions.js';
import { effectKey, withVars } from '../state.js';
import { authenticationOf, resolveAuthorization } from '../authorization.js';

/** `wait`: a durable timer; the output is the input. weft `until`: an absolute time
 *  (ISO 8601 text or epoch milliseconds); a time in the past fires at once. */
export function* runWait(env: TaskEnv<WaitIR>): Co<KindResult> {
  const { rt, task, input, scope, frame } = env;
  let fireAt: number;
  if (task.until) {
    const v = evalTemplate(rt, task.until, input, scope, frame);
    fireAt = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
    if (!Number.isFinite(fireAt)) {
      throw fault(
        'expression',
        task.id,
        'Invalid wait.until',
        `${JSON.stringify(v)} is not an ISO 8601 date-time`,
      );
    }
  } else {
    fireAt = rt.now + resolveMs(rt, task.duration ?? { ms: 0 }, input, scope, frame);
  }
  yield* effect((effectId) => ({
    type: 'ScheduleTimer',
    effectId,
    taskId: task.id,
    purpose: 'wait',
    fireAt,
  }));
  return { output: input };
}

/** `emit`: the CloudEvent as emitted is the output: `id` (a UUID v4 from the seeded
 *  PRNG) and `time` (now) unless given, `specversion` 1.0. */
export function* runEmit(env: TaskEnv<EmitIR>): Co<KindResult> {
  const { rt, task, input, scope, frame } = env;
  const attrs = evalTemplate(rt, task.event, input, scope, frame);
  if (attrs === null || typeof attrs !== 'object' || Array.isArray(attrs)) {
    throw fault('expression', task.id, 'Invalid event', 'emit.event.with must give an object');
  }
  const event: CloudEvent = {
    specversion: '1.0',
    id: randomUuid(rt.random),
    source: '',
    type: '',
    time: new Date(rt.now).toISOString(),
    ...attrs,
  };
  for (const k of ['id', 'source', 'type', 'specversion'] as const) {
    if (typeof event[k] !== 'string') event[k] = JSON.stringify(event[k] ?? null);
  }
  const key = effectKey(rt, task.id, scope);
  yield* effect((effectId) => ({ type: 'ScheduleEmit', effectId, taskId: task.id, key, event }));
  return { output: event as Json };
}

function cacheOf(
  env: TaskEnv,
  cache: CacheIR | undefined,
): { key: Json; ttlMs: number } | undefined {
  if (!cache) return undefined;
  const { rt, input, scope, frame } = env;
  return {
    key: evalExpr(rt, cache.key, input, scope, frame),
    ttlMs: resolveMs(rt, cache.ttl, input, scope, frame),
  };
}

/** `call`: http, openapi, a function name (registered by the application or a catalog
 *  entry) -> ScheduleCall; a function of `use.functions` runs inline with the
 *  evaluated `with` as its input. The output is the result. */
export function* runCall(env: TaskEnv<CallIR>): Co<KindResult> {
  const { rt, task, input, scope, frame } = env;
  const policy = authenticationOf(task.args);
  const authorization = policy
    ? resolveAuthorization(evalTemplate(rt, policy, input, scope, frame), rt.ctx.secrets ?? {})
    : null;
  const args = evalTemplate(rt, task.args, input, withVars(scope, { authorization }), frame);
  if (task.function) {
    const r = yield* env.runTask(task.function, args, scope);
    return { output: r.output };
  }
  const key = effectKey(rt, task.id, scope);
  const cache = cacheOf(env, task.cache);
  const result = yield* effect((effectId) => ({
    type: 'ScheduleCall',
    effectId,
    taskId: task.id,
    key,
    call: task.call,
    args,
    input,
    ...(cache ? { cache } : {}),
  }));
  return { output: result, authorization };
}

/** `run: workflow` -> ScheduleChild. await (default): the child's output; `await:
 *  false`: the task's input, the child runs on. Other processes are not supported yet. */
export function* runRun(env: TaskEnv<RunIR>): Co<KindResult> {
  const { rt, task, input, scope, frame } = env;
  const w = task.workflow;
  if (task.process !== 'workflow' || !w) {
    throw fault(
      'configuration',
      task.id,
      'Not supported',
      `run: ${task.process} is not supported yet`,
    );
  }
  const childInput = w.input ? evalTemplate(rt, w.input, input, scope, frame) : input;
  const key = effectKey(rt, task.id, scope);
  const cache = cacheOf(env, task.cache);
  const command = (effectId: number) =>
    ({
      type: 'ScheduleChild',
      effectId,
      taskId: task.id,
      key,
      workflow: { namespace: w.namespace, name: w.name, version: w.version },
      input: childInput,
      await: task.await,
      ...(cache ? { cache } : {}),
    }) as const;
  if (!task.await) {
    yield* fire(command);
    return { output: input };
  }
  return { output: yield* effect(command) };
}
