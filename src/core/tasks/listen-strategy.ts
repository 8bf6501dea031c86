// Matching events against a listen's consumption strategy (see listen.ts): filters
// (`with` attributes, correlation), one / all / any / until, and the reading of events.

import type { CloudEvent, Json } from '../../history/events.js';
import type { EventFilterIR, Expr, ListenIR, StrategyIR } from '../../dsl/ir.js';
import type { TaskEnv } from '../env.js';
import { evalExpr, evalTemplate, truthy } from '../evaluate.js';

export interface Filter {
  with: Record<string, Json>;
  correlate?: Record<string, { from: string; expect?: Json }>;
  ir: EventFilterIR;
}

export type Resolved =
  { one: Filter } | { all: Filter[] } | { any: Filter[]; untilExpr?: Expr; until?: Resolved };

export function read(task: ListenIR, event: CloudEvent): Json {
  return task.read === 'envelope' ? (event as Json) : (event.data ?? null);
}

export function resolveFilter(env: TaskEnv<ListenIR>, f: EventFilterIR): Filter {
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

export function resolve(env: TaskEnv<ListenIR>, s: StrategyIR): Resolved {
  if ('one' in s) return { one: resolveFilter(env, s.one) };
  if ('all' in s) return { all: s.all.map((f) => resolveFilter(env, f)) };
  const r: Resolved = { any: s.any.map((f) => resolveFilter(env, f)) };
  if (s.until && 'text' in s.until) r.untilExpr = s.until;
  else if (s.until) r.until = resolve(env, s.until as StrategyIR);
  return r;
}

export function toJson(r: Resolved): Json {
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
export function passes(env: TaskEnv<ListenIR>, f: Filter, event: CloudEvent): boolean {
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
export function learn(env: TaskEnv<ListenIR>, r: Resolved, event: CloudEvent): void {
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
export function consume(
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

export function satisfied(
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
