// One task of a validated document -> its IR node. Task lists, `then` resolution and
// the fields every task shares live here, with the simple kinds; try/raise, listen and
// call/run have files of their own (compile-errors/-events/-calls.ts). Unknown or malformed shapes (which the validator should have
// rejected) become diagnostics and inert IR, never a crash.

import type { Json } from '../jq/api.js';
import type { TaskCommon, TaskIR, TaskList, Then } from './ir.js';
import {
  compileExprField,
  compileTemplate,
  compileTransform,
  escapePointer,
} from './compile-expr.js';
import { compileDuration } from './compile-duration.js';
import type { Obj, TaskContext } from './compile-context.js';
import type { TaskKind } from './document.js';
import { TASK_KINDS } from './document.js';
import { compileTimeout, isObj } from './compile-context.js';
import { compileRaise, compileTry } from './compile-errors.js';
import { compileListen } from './compile-events.js';
import { compileCall, compileRun } from './compile-calls.js';
import { compileExtensions } from './compile-extensions.js';

export type { Obj, TaskContext };

// `for` first: a for task also has a `do` key.
const KINDS: readonly TaskKind[] = ['for', ...TASK_KINDS.filter((k) => k !== 'for')];

export function compileTaskList(
  cx: TaskContext,
  items: unknown,
  path: string,
  vars: readonly string[],
  inFor: boolean,
): TaskList {
  const list: TaskList = { id: path, tasks: [] };
  if (!Array.isArray(items)) {
    cx.diagnostics.push({ path, message: 'expected a task list' });
    return list;
  }
  const names: string[] = [];
  const raw: { then?: unknown; path: string }[] = [];
  items.forEach((item, index) => {
    const entry = isObj(item) ? Object.entries(item)[0] : undefined;
    if (!entry) {
      cx.diagnostics.push({ path: `${path}/${index}`, message: 'expected {name: task}' });
      return;
    }
    const [name, body] = entry;
    const id = `${path}/${index}/${escapePointer(name)}`;
    names.push(name);
    raw.push({ then: isObj(body) ? body.then : undefined, path: id });
    list.tasks.push(compileTask(cx, name, body, id, vars, inFor));
  });
  // Resolve `then` (and switch case targets) against this list, now that all names are known.
  list.tasks.forEach((task, i) => {
    task.then = resolveThen(cx, raw[i]?.then, names, `${task.id}/then`, inFor);
    if (task.kind === 'switch') {
      const cases = (isObj(task.definition) ? task.definition.switch : []) as unknown[];
      task.cases.forEach((c, j) => {
        const body = isObj(cases[j]) ? Object.values(cases[j] as Obj)[0] : undefined;
        const then = isObj(body) ? body.then : undefined;
        c.then = resolveThen(cx, then, names, `${task.id}/switch/${j}/${c.name}/then`, inFor);
      });
    }
  });
  return list;
}

function resolveThen(
  cx: TaskContext,
  then: unknown,
  names: string[],
  path: string,
  inFor: boolean,
): Then {
  if (then === undefined || then === null || then === 'continue') return { kind: 'continue' };
  if (then === 'exit' || then === 'end') return { kind: then };
  if (then === 'break') {
    if (!inFor)
      cx.diagnostics.push({ path, message: "'then: break' is only allowed inside a for" });
    return { kind: 'break' };
  }
  const index = typeof then === 'string' ? names.indexOf(then) : -1;
  if (index < 0) {
    cx.diagnostics.push({
      path,
      message: `then target '${String(then)}' is not a task of this list`,
    });
    return { kind: 'exit' };
  }
  return { kind: 'goto', index, name: then as string };
}

function common(
  cx: TaskContext,
  name: string,
  body: Obj,
  id: string,
  vars: readonly string[],
): TaskCommon {
  const input = isObj(body.input) ? body.input : {};
  const output = isObj(body.output) ? body.output : {};
  const exp = isObj(body.export) ? body.export : {};
  const c: TaskCommon = { id, name, definition: body as Json, then: { kind: 'continue' } };
  const ifExpr = compileExprField(cx, body.if, vars, `${id}/if`);
  if (ifExpr) c.if = ifExpr;
  const from = compileTransform(cx, input.from, vars, `${id}/input/from`);
  if (from) c.inputFrom = from;
  if (input.schema !== undefined) c.inputSchema = input.schema as Json;
  const as = compileTransform(cx, output.as, vars, `${id}/output/as`);
  if (as) c.outputAs = as;
  if (output.schema !== undefined) c.outputSchema = output.schema as Json;
  const exportAs = compileTransform(cx, exp.as, vars, `${id}/export/as`);
  if (exportAs) c.exportAs = exportAs;
  if (exp.schema !== undefined) c.exportSchema = exp.schema as Json;
  const timeout = compileTimeout(cx, body.timeout, vars, `${id}/timeout`);
  if (timeout) c.timeout = timeout;
  return c;
}

export function compileTask(
  cx: TaskContext,
  name: string,
  body: unknown,
  id: string,
  vars: readonly string[],
  inFor: boolean,
): TaskIR {
  const task = compileKind(cx, name, body, id, vars, inFor);
  if (cx.extensionDepth === 0) {
    const extensions = compileExtensions(cx, task, vars);
    if (extensions.length > 0) task.extensions = extensions;
  }
  return task;
}

function compileKind(
  cx: TaskContext,
  name: string,
  body: unknown,
  id: string,
  vars: readonly string[],
  inFor: boolean,
): TaskIR {
  const b = isObj(body) ? body : {};
  const base = common(cx, name, b, id, vars);
  const kind = KINDS.find((k) => k in b);
  switch (kind) {
    case 'do':
      return { ...base, kind: 'do', do: compileTaskList(cx, b.do, `${id}/do`, vars, inFor) };
    case 'set':
      return {
        ...base,
        kind: 'set',
        value:
          typeof b.set === 'string'
            ? (compileTransform(cx, b.set, vars, `${id}/set`) ?? { t: 'lit', value: null })
            : compileTemplate(cx, b.set, vars, `${id}/set`),
      };
    case 'switch': {
      const cases = Array.isArray(b.switch) ? b.switch : [];
      return {
        ...base,
        kind: 'switch',
        cases: cases.map((item, j) => {
          const [caseName, c] = (isObj(item) ? Object.entries(item)[0] : undefined) ?? ['', {}];
          const when = isObj(c)
            ? compileExprField(cx, c.when, vars, `${id}/switch/${j}/${caseName}/when`)
            : undefined;
          return when
            ? { name: caseName, when, then: { kind: 'continue' } }
            : { name: caseName, then: { kind: 'continue' } };
        }),
      };
    }
    case 'for':
      return compileFor(cx, base, b, vars);
    case 'fork': {
      const f = isObj(b.fork) ? b.fork : {};
      const fork: TaskIR = {
        ...base,
        kind: 'fork',
        branches: compileTaskList(cx, f.branches, `${id}/fork/branches`, vars, inFor),
        compete: f.compete === true,
      };
      if (typeof f.quorum === 'number') fork.quorum = f.quorum;
      return fork;
    }
    case 'try':
      return compileTry(cx, base, b, vars, inFor);
    case 'raise':
      return { ...base, kind: 'raise', error: compileRaise(cx, b, id, vars) };
    case 'wait': {
      const w = b.wait;
      if (isObj(w) && 'until' in w) {
        return {
          ...base,
          kind: 'wait',
          until: compileTemplate(cx, w.until, vars, `${id}/wait/until`) ?? {
            t: 'lit',
            value: null,
          },
        };
      }
      return {
        ...base,
        kind: 'wait',
        duration: compileDuration(cx, w, vars, `${id}/wait`) ?? { ms: 0 },
      };
    }
    case 'emit': {
      const e = isObj(b.emit) && isObj(b.emit.event) ? b.emit.event : {};
      return {
        ...base,
        kind: 'emit',
        event: compileTemplate(cx, e.with ?? {}, vars, `${id}/emit/event/with`),
      };
    }
    case 'listen':
      return compileListen(cx, base, b, vars);
    case 'run':
      return compileRun(cx, base, b, vars);
    case 'call':
      return compileCall(cx, base, b, vars, inFor);
    default:
      cx.diagnostics.push({ path: id, message: 'unknown task type' });
      return { ...base, kind: 'do', do: { id: `${id}/do`, tasks: [] } };
  }
}

function compileFor(cx: TaskContext, base: TaskCommon, b: Obj, vars: readonly string[]): TaskIR {
  const f = isObj(b.for) ? b.for : {};
  const each = typeof f.each === 'string' ? f.each : 'item';
  const at = typeof f.at === 'string' ? f.at : 'index';
  const inner = [...vars, each, at];
  const task: TaskIR = {
    ...base,
    kind: 'for',
    each,
    at,
    do: compileTaskList(cx, b.do, `${base.id}/do`, inner, true),
  };
  const inExpr = compileExprField(cx, f.in, vars, `${base.id}/for/in`);
  if (inExpr) task.in = inExpr;
  const whileExpr = compileExprField(cx, b.while, inner, `${base.id}/while`);
  if (whileExpr) task.while = whileExpr;
  if (typeof f.concurrency === 'number') task.concurrency = f.concurrency;
  if (!inExpr && !whileExpr) {
    cx.diagnostics.push({ path: `${base.id}/for`, message: "a for without 'in' needs 'while'" });
  }
  return task;
}
