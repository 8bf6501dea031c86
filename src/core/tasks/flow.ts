// The pure tasks: do, set, switch, raise. They schedule no effects and are recomputed
// on replay.

import type { Json, Problem } from '../../history/events.js';
import type { DoIR, RaiseIR, SetIR, SwitchIR } from '../../dsl/ir.js';
import type { KindResult, TaskEnv } from '../env.js';
import { signalThen } from '../env.js';
import { evalTemplate, test } from '../evaluate.js';
import { fault, WorkflowFault } from '../problems.js';
import type { Co } from '../instructions.js';

export function* runDo(env: TaskEnv<DoIR>): Co<KindResult> {
  return signalThen(yield* env.runList(env.task.do, env.input, env.scope));
}

/** `set`: the output is the evaluated value (it replaces the data, as in the spec). */
export function runSet(env: TaskEnv<SetIR>): KindResult {
  return { output: evalTemplate(env.rt, env.task.value, env.input, env.scope, env.frame) };
}

/** `switch`: the first case whose `when` holds (a case without `when` is the default);
 *  its `then` applies. No match: the flow continues. The output is the input. */
export function runSwitch(env: TaskEnv<SwitchIR>): KindResult {
  for (const c of env.task.cases) {
    if (test(env.rt, c.when, env.input, env.scope, env.frame)) {
      return { output: env.input, then: c.then };
    }
  }
  return { output: env.input };
}

/** `raise`: type/status/title/detail may be expressions; `instance` defaults to the
 *  task's pointer. */
export function runRaise(env: TaskEnv<RaiseIR>): KindResult {
  const { rt, task, input, scope, frame } = env;
  const e = task.error;
  const type = evalTemplate(rt, e.type, input, scope, frame);
  const status = evalTemplate(rt, e.status, input, scope, frame);
  if (typeof type !== 'string' || typeof status !== 'number') {
    throw fault(
      'expression',
      task.id,
      'Invalid error',
      `raise needs a string type and a numeric status, got ${JSON.stringify(type)} and ${JSON.stringify(status)}`,
    );
  }
  const p: Problem = { type, status };
  const optional = (k: 'title' | 'detail' | 'instance'): void => {
    const t = e[k];
    if (!t) return;
    const v: Json = evalTemplate(rt, t, input, scope, frame);
    if (v !== null) p[k] = typeof v === 'string' ? v : JSON.stringify(v);
  };
  optional('title');
  optional('detail');
  optional('instance');
  if (p.instance === undefined) p.instance = task.id;
  throw new WorkflowFault(p);
}
