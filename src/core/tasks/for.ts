// `for`: sequential by default; each iteration's input is the previous iteration's
// output and the task's output is the last iteration's output (the input when there
// are none). Loop variables ($item/$index, or the `each`/`at` names) are in scope in
// `while` and in the body; `while` is checked before each iteration.
// weft extensions: `for` without `in` counts 0, 1, 2, ... while `while` holds;
// `then: break` leaves the loop with the data at that point; `concurrency: N` runs up
// to N iterations at once, each on the task's input, output = outputs in item order.
// In a parallel loop, `break` starts no new iteration and waits for the running ones;
// `end` ends the execution at once (the running iterations are cancelled, as in a fork)
// with the data of the iteration that ended.

import type { Json } from '../../history/events.js';
import type { ForIR } from '../../dsl/ir.js';
import type { KindResult, ListResult, TaskEnv } from '../env.js';
import { evalExpr, test } from '../evaluate.js';
import { fault } from '../problems.js';
import type { Co } from '../instructions.js';
import { join } from '../instructions.js';
import type { Scope } from '../state.js';
import { withIter, withVars } from '../state.js';
import { tick } from '../steps.js';

function collection(env: TaskEnv<ForIR>): Json[] | undefined {
  const { rt, task, input, scope, frame } = env;
  if (!task.in) return undefined;
  const v = evalExpr(rt, task.in, input, scope, frame);
  if (Array.isArray(v)) return v;
  if (v === null) return [];
  if (typeof v === 'object') return Object.values(v);
  throw fault(
    'expression',
    task.id,
    'Invalid for.in',
    `for.in must give an array, got ${JSON.stringify(v)}`,
  );
}

export function* runFor(env: TaskEnv<ForIR>): Co<KindResult> {
  const items = collection(env);
  return env.task.concurrency ? yield* concurrent(env, items) : yield* sequential(env, items);
}

function iterationScope(env: TaskEnv<ForIR>, items: Json[] | undefined, i: number): Scope {
  const item = items ? (items[i] ?? null) : i;
  return withIter(withVars(env.scope, { [env.task.each]: item, [env.task.at]: i }), String(i));
}

function* sequential(env: TaskEnv<ForIR>, items: Json[] | undefined): Co<KindResult> {
  const { rt, task } = env;
  let data = env.input;
  for (let i = 0; !items || i < items.length; i++) {
    tick(rt, task.id);
    const scope = iterationScope(env, items, i);
    if (task.while && !test(rt, task.while, data, scope, env.frame)) break;
    const r = yield* env.runList(task.do, data, scope);
    data = r.output;
    if (r.signal === 'break') break;
    if (r.signal === 'end') return { output: data, then: { kind: 'end' } };
  }
  return { output: data };
}

function* concurrent(env: TaskEnv<ForIR>, items: Json[] | undefined): Co<KindResult> {
  const { rt, task } = env;
  let next = 0;
  let stop = false;
  const spawn = (): Co<ListResult> | undefined => {
    if (stop || (items && next >= items.length)) return undefined;
    tick(rt, task.id);
    const scope = iterationScope(env, items, next);
    // `while` is checked on the task's input before each iteration starts.
    if (task.while && !test(rt, task.while, env.input, scope, env.frame)) return undefined;
    next++;
    return (function* (): Co<ListResult> {
      const r: ListResult = yield* env.runList(task.do, env.input, scope);
      if (r.signal) stop = true;
      return r;
    })();
  };
  const ended = (v: unknown): boolean => (v as ListResult).signal === 'end';
  const outcomes = yield* join(spawn, Infinity, 0, task.concurrency, ended);
  const end = outcomes.find((o) => o?.ok && ended(o.value));
  if (end?.ok) return { output: (end.value as ListResult).output, then: { kind: 'end' } };
  const outputs: Json[] = [];
  for (const o of outcomes) {
    if (!o) continue;
    if (!o.ok) throw o.error;
    outputs.push((o.value as ListResult).output);
  }
  return { output: outputs };
}
