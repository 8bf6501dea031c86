// `listen`: ScheduleListen with the resolved strategy, then events arrive as
// EventReceived. The core decides when the strategy is satisfied and then cancels the
// listen (CancelEffect). Events that match no filter are ignored (not consumed).
//   one: the first matching event.  all: one event per filter (output in filter order).
//   any: without `until`, the first matching event (an empty list matches any event);
//        with `until` (an expression evaluated on the array of consumed events, or a
//        strategy whose satisfaction stops the listen), every matching event until then.
// Output: the consumed events, as `read` says: data (default), envelope (the whole
// CloudEvent) or raw (the data as delivered). With `foreach`, each consumed event runs
// the iterator's `do` (with $item/$index or its names) as it arrives, and the output is
// the array of the iterations' outputs.

import type { CloudEvent, Json } from '../../history/events.js';
import type { EventFilterIR, Expr, ListenIR, StrategyIR } from '../../dsl/ir.js';
import type { KindResult, TaskEnv } from '../env.js';
import { evalExpr, evalTemplate, truthy } from '../evaluate.js';
import type { Co } from '../scheduler.js';
import { cancelEffect, fire, nextEvent } from '../scheduler.js';
import { effectKey, withIter, withVars } from '../state.js';

interface Filter {
  with: Record<string, Json>;
  correlate?: Record<string, { from: string; expect?: Json }>;
  ir: EventFilterIR;
}

type Resolved =
  { one: Filter } | { all: Filter[] } | { any: Filter[]; untilExpr?: Expr; until?: Resolved };

export function* runListen(env: TaskEnv<ListenIR>): Co<KindResult> {
  const { rt, task, scope } = env;
  const strategy = resolve(env, task.to);
  const key = effectKey(rt, task.id, scope);
  const listenId = yield* fire((effectId) => ({
    type: 'ScheduleListen',
    effectId,
    taskId: task.id,
    key,
    strategy: toJson(strategy),
    read: task.read,
  }));
  const consumed: CloudEvent[] = [];
  const outputs: Json[] = [];
  const matched = new Set<number>();
  const untilState = new Set<number>();
  for (;;) {
    const event = yield* nextEvent(listenId);
    const take = consume(env, strategy, event, matched, untilState);
    if (take === 'skip') continue;
    if (take !== 'stop') {
      consumed.push(event);
      learn(env, strategy, event);
      if (task.foreach) outputs.push(yield* iterate(env, read(task, event), consumed.length - 1));
    }
    if (take === 'stop' || satisfied(env, strategy, consumed, matched)) break;
  }
  yield* cancelEffect(listenId);
  if (task.foreach) return { output: outputs };
  return { output: consumed.map((e) => read(task, e)) };
}

function* iterate(env: TaskEnv<ListenIR>, item: Json, index: number): Co<Json> {
  const f = env.task.foreach;
  if (!f) return item;
  const scope = withIter(withVars(env.scope, { [f.item]: item, [f.at]: index }), `e${index}`);
  let out = f.do ? (yield* env.runList(f.do, env.input, scope)).output : item;
  if (f.outputAs) out = evalTemplate(env.rt, f.outputAs, out, scope, env.frame);
  if (f.exportAs)
    env.rt.context = evalTemplate(env.rt, f.exportAs, out, scope, { ...env.frame, output: out });
  return out;
}

function read(task: ListenIR, event: CloudEvent): Json {
  return task.read === 'envelope' ? (event as Json) : (event.data ?? null);
}

function resolveFilter(env: TaskEnv<ListenIR>, f: EventFilterIR): Filter {
  const w = evalTemplate(env.rt, f.with, env.input, env.scope, env.frame);
  const filter: Filter = {
    with: w !== null && typeof w === 'object' && !Array.isArray(w) ? w : {},
    ir: f,
  };
  if (f.correlate) {
    filter.correlate = {};
    for (const [k, c] of Object.entries(f.correlate)) {
      const entry: { from: string; expect?: Json } = { from: c.from.text };
      if (c.expect) entry.expect = evalTemplate(env.rt, c.expect, env.input, env.scope, env.frame);
      filter.correlate[k] = entry;
    }
  }
  return filter;
}

function resolve(env: TaskEnv<ListenIR>, s: StrategyIR): Resolved {
  if ('one' in s) return { one: resolveFilter(env, s.one) };
  if ('all' in s) return { all: s.all.map((f) => resolveFilter(env, f)) };
  const r: Resolved = { any: s.any.map((f) => resolveFilter(env, f)) };
  if (s.until && 'text' in s.until) r.untilExpr = s.until;
  else if (s.until) r.until = resolve(env, s.until as StrategyIR);
  return r;
}

function toJson(r: Resolved): Json {
  const f = (x: Filter): Json =>
    x.correlate ? { with: x.with, correlate: x.correlate } : { with: x.with };
  if ('one' in r) return { one: f(r.one) };
  if ('all' in r) return { all: r.all.map(f) };
  const out: Record<string, Json> = { any: r.any.map(f) };
  if (r.untilExpr) out.until = r.untilExpr.text;
  else if (r.until) out.until = toJson(r.until);
  return out;
}

/** Correlation values learned from consumed events, per listen: a `correlate` key
 *  without `expect` takes its value from the first consumed event, and later events (of
 *  any filter of the listen using that key) must agree with it. */
const learnedValues = new WeakMap<TaskEnv<ListenIR>, Map<string, Json>>();

function learned(env: TaskEnv<ListenIR>): Map<string, Json> {
  let known = learnedValues.get(env);
  if (!known) learnedValues.set(env, (known = new Map()));
  return known;
}

/** Does `event` pass the filter: each `with` attribute equal (a string may also be a
 *  regular expression matching the whole value); each correlation value equal to its
 *  `expect`, or to the value learned from the first consumed event. */
function passes(env: TaskEnv<ListenIR>, f: Filter, event: CloudEvent): boolean {
  for (const [k, expected] of Object.entries(f.with)) {
    const actual = event[k] ?? null;
    if (equal(actual, expected)) continue;
    if (typeof expected === 'string' && typeof actual === 'string' && regexMatch(expected, actual))
      continue;
    return false;
  }
  const known = learned(env);
  for (const [k, c] of Object.entries(f.ir.correlate ?? {})) {
    const expect = f.correlate?.[k]?.expect ?? known.get(k);
    if (expect === undefined) continue;
    if (!equal(evalExpr(env.rt, c.from, event as Json, env.scope, env.frame), expect)) return false;
  }
  return true;
}

/** Remember the correlation values of a consumed event. */
function learn(env: TaskEnv<ListenIR>, r: Resolved, event: CloudEvent): void {
  const known = learned(env);
  const filters = 'one' in r ? [r.one] : 'all' in r ? r.all : r.any;
  for (const f of filters) {
    // Only a filter the event passes says how to read its correlation values.
    if (!f.ir.correlate || !passes(env, f, event)) continue;
    for (const [k, c] of Object.entries(f.ir.correlate)) {
      if (known.has(k) || f.correlate?.[k]?.expect !== undefined) continue;
      known.set(k, evalExpr(env.rt, c.from, event as Json, env.scope, env.frame));
    }
  }
}

function regexMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return false;
  }
}

export function equal(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => equal((a as Record<string, Json>)[k], (b as Record<string, Json>)[k]));
}

/** 'take' consumes the event, 'skip' ignores it, 'stop' ends the listen without it. */
function consume(
  env: TaskEnv<ListenIR>,
  r: Resolved,
  event: CloudEvent,
  matched: Set<number>,
  untilState: Set<number>,
): 'take' | 'skip' | 'stop' {
  if ('one' in r) return passes(env, r.one, event) ? 'take' : 'skip';
  if ('all' in r) {
    const i = r.all.findIndex((f, j) => !matched.has(j) && passes(env, f, event));
    if (i < 0) return 'skip';
    matched.add(i);
    return 'take';
  }
  if (r.until && untilSatisfied(env, r.until, event, untilState)) return 'stop';
  if (r.any.length === 0 || r.any.some((f) => passes(env, f, event))) return 'take';
  return 'skip';
}

function untilSatisfied(
  env: TaskEnv<ListenIR>,
  r: Resolved,
  event: CloudEvent,
  state: Set<number>,
): boolean {
  if ('one' in r) return passes(env, r.one, event);
  if ('all' in r) {
    const i = r.all.findIndex((f, j) => !state.has(j) && passes(env, f, event));
    if (i >= 0) state.add(i);
    return state.size === r.all.length;
  }
  return r.any.length === 0 || r.any.some((f) => passes(env, f, event));
}

function satisfied(
  env: TaskEnv<ListenIR>,
  r: Resolved,
  consumed: CloudEvent[],
  matched: Set<number>,
): boolean {
  if ('one' in r) return consumed.length > 0;
  if ('all' in r) return matched.size === r.all.length;
  if (r.untilExpr) {
    const data = consumed.map((e) => read(env.task, e));
    return truthy(evalExpr(env.rt, r.untilExpr, data, env.scope, env.frame));
  }
  if (r.until) return false;
  return consumed.length > 0;
}
