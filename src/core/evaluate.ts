// Evaluating compiled expressions and templates against the data-flow variables.
// A literal template returns its (shared, never mutated) value without any work.

import type { Json } from '../history/events.js';
import type { Expr, Template } from '../dsl/ir.js';
import { JqError } from '../jq/api.js';
import { fault } from './problems.js';
import type { Rt, Scope } from './state.js';

/** The task-level part of the variables: $task, $input, $output. */
export interface Frame {
  /** Pointer of the task (or `/` for the workflow), for errors. */
  where: string;
  task?: Json;
  input?: Json;
  output?: Json;
}

export function variables(rt: Rt, scope: Scope, frame: Frame): Record<string, Json> {
  const vars: Record<string, Json> = {
    context: rt.context,
    workflow: rt.workflow,
    runtime: rt.ctx.runtime ?? null,
    secrets: rt.ctx.secrets ?? {},
    // Bound by call tasks (authorization.ts); null elsewhere.
    authorization: null,
    task: frame.task ?? null,
    input: frame.input ?? null,
    output: frame.output ?? null,
  };
  for (const [k, v] of Object.entries(scope.vars)) vars[k] = v;
  return vars;
}

export function evalExpr(rt: Rt, expr: Expr, input: Json, scope: Scope, frame: Frame): Json {
  if (!expr.program) {
    throw fault(
      'expression',
      frame.where,
      `Expression '${expr.text}' does not compile`,
      expr.error,
    );
  }
  try {
    return expr.program.first(input, variables(rt, scope, frame), { now: rt.now }) ?? null;
  } catch (e) {
    const detail = e instanceof JqError ? e.message : e instanceof Error ? e.message : String(e);
    throw fault('expression', frame.where, `Expression '${expr.text}' failed`, detail);
  }
}

export function evalTemplate(rt: Rt, t: Template, input: Json, scope: Scope, frame: Frame): Json {
  switch (t.t) {
    case 'lit':
      return t.value;
    case 'expr':
      return evalExpr(rt, t.expr, input, scope, frame);
    case 'arr':
      return t.items.map((i) => evalTemplate(rt, i, input, scope, frame));
    case 'obj': {
      const out: Record<string, Json> = {};
      for (const [k, v] of t.entries) out[k] = evalTemplate(rt, v, input, scope, frame);
      return out;
    }
  }
}

/** jq truthiness: everything but false and null. */
export function truthy(v: Json): boolean {
  return v !== false && v !== null;
}

export function test(
  rt: Rt,
  expr: Expr | undefined,
  input: Json,
  scope: Scope,
  frame: Frame,
): boolean {
  return expr ? truthy(evalExpr(rt, expr, input, scope, frame)) : true;
}
