// listen: consumption strategies, event filters, foreach -> IR.

import type { EventFilterIR, StrategyIR, TaskCommon, TaskIR } from './ir.js';
import {
  compileExpr,
  compileExprField,
  compileTemplate,
  compileTransform,
} from './compile-expr.js';
import type { Obj, TaskContext } from './compile-context.js';
import { isObj } from './compile-context.js';

function compileFilter(
  cx: TaskContext,
  f: unknown,
  vars: readonly string[],
  path: string,
): EventFilterIR {
  const o = isObj(f) ? f : {};
  const filter: EventFilterIR = { with: compileTemplate(cx, o.with ?? {}, vars, `${path}/with`) };
  if (isObj(o.correlate)) {
    filter.correlate = {};
    for (const [k, v] of Object.entries(o.correlate)) {
      const c = isObj(v) ? v : {};
      const from = compileExprField(cx, c.from ?? '.', vars, `${path}/correlate/${k}/from`);
      filter.correlate[k] = from ? { from } : { from: compileExpr(cx, '.', vars, path) };
      if (c.expect !== undefined) {
        filter.correlate[k].expect = compileTemplate(
          cx,
          c.expect,
          vars,
          `${path}/correlate/${k}/expect`,
        );
      }
    }
  }
  return filter;
}

export function compileStrategy(
  cx: TaskContext,
  s: unknown,
  vars: readonly string[],
  path: string,
): StrategyIR {
  const o = isObj(s) ? s : {};
  if ('all' in o) {
    return {
      all: (Array.isArray(o.all) ? o.all : []).map((f, i) =>
        compileFilter(cx, f, vars, `${path}/all/${i}`),
      ),
    };
  }
  if ('one' in o) return { one: compileFilter(cx, o.one, vars, `${path}/one`) };
  const any: StrategyIR = {
    any: (Array.isArray(o.any) ? o.any : []).map((f, i) =>
      compileFilter(cx, f, vars, `${path}/any/${i}`),
    ),
  };
  if (typeof o.until === 'string' || typeof o.until === 'boolean') {
    const until = compileExprField(cx, o.until, vars, `${path}/until`);
    if (until) any.until = until;
  } else if (isObj(o.until)) {
    any.until = compileStrategy(cx, o.until, vars, `${path}/until`);
  }
  return any;
}

export function compileListen(
  cx: TaskContext,
  base: TaskCommon,
  b: Obj,
  vars: readonly string[],
): TaskIR {
  const l = isObj(b.listen) ? b.listen : {};
  const read = l.read === 'envelope' || l.read === 'raw' ? l.read : 'data';
  const task: TaskIR = {
    ...base,
    kind: 'listen',
    to: compileStrategy(cx, l.to, vars, `${base.id}/listen/to`),
    read,
  };
  if (isObj(b.foreach)) {
    const f = b.foreach;
    const item = typeof f.item === 'string' ? f.item : 'item';
    const at = typeof f.at === 'string' ? f.at : 'index';
    const inner = [...vars, item, at];
    task.foreach = { item, at };
    if (f.do !== undefined) task.foreach.do = cx.list(f.do, `${base.id}/foreach/do`, inner, false);
    const out = isObj(f.output) ? f.output : {};
    const as = compileTransform(cx, out.as, inner, `${base.id}/foreach/output/as`);
    if (as) task.foreach.outputAs = as;
    const exp = isObj(f.export) ? f.export : {};
    const ex = compileTransform(cx, exp.as, inner, `${base.id}/foreach/export/as`);
    if (ex) task.foreach.exportAs = ex;
  }
  return task;
}
