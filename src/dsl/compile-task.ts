// One task of a validated document -> its IR node. Task lists, `then` resolution and
// the fields every task shares live here; each task kind's own fields are compiled in
// compileKind below. Unknown or malformed shapes (which the validator should have
// rejected) become diagnostics and inert IR, never a crash.

import type { Json } from '../jq/api.js';
import type {
  CatchIR,
  DurationIR,
  ErrorIR,
  ErrorFilterIR,
  EventFilterIR,
  RetryIR,
  StrategyIR,
  TaskCommon,
  TaskIR,
  TaskList,
  Then,
} from './ir.js';
import type { ExprContext } from './compile-expr.js';
import {
  compileExpr,
  compileExprField,
  compileTemplate,
  compileTransform,
  escapePointer,
} from './compile-expr.js';
import { compileDuration } from './compile-duration.js';

export type Obj = Record<string, unknown>;

export interface TaskContext extends ExprContext {
  /** The document's `use` section (references are resolved inline). */
  use: Obj;
  /** Names of functions being compiled (cycle guard). */
  functionStack: string[];
}

/** The `$variables` every expression may use. */
export const BASE_VARIABLES = [
  'context',
  'input',
  'output',
  'workflow',
  'task',
  'runtime',
  'secrets',
  'authorization',
] as const;

// `for` first: a for task also has a `do` key.
const KINDS = [
  'for',
  'call',
  'do',
  'fork',
  'emit',
  'listen',
  'raise',
  'run',
  'set',
  'switch',
  'try',
  'wait',
] as const;

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

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

export function compileTimeout(
  cx: TaskContext,
  value: unknown,
  vars: readonly string[],
  path: string,
): DurationIR | undefined {
  if (value === undefined) return undefined;
  let t = value;
  if (typeof value === 'string') {
    const named = isObj(cx.use.timeouts) ? cx.use.timeouts[value] : undefined;
    if (!isObj(named)) {
      cx.diagnostics.push({ path, message: `timeout '${value}' is not defined in use.timeouts` });
      return undefined;
    }
    t = named;
  }
  return isObj(t) ? compileDuration(cx, t.after, vars, `${path}/after`) : undefined;
}

export function compileTask(
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

function compileTry(
  cx: TaskContext,
  base: TaskCommon,
  b: Obj,
  vars: readonly string[],
  inFor: boolean,
): TaskIR {
  const task: TaskIR = {
    ...base,
    kind: 'try',
    try: compileTaskList(cx, b.try, `${base.id}/try`, vars, inFor),
  };
  if (isObj(b.catch)) {
    const c = b.catch;
    const as = typeof c.as === 'string' ? c.as : 'error';
    const inner = [...vars, as];
    const p = `${base.id}/catch`;
    const catchIR: CatchIR = { as };
    const w = isObj(c.errors) && isObj(c.errors.with) ? c.errors.with : undefined;
    if (w) catchIR.with = errorFilter(w);
    const when = compileExprField(cx, c.when, inner, `${p}/when`);
    if (when) catchIR.when = when;
    const exceptWhen = compileExprField(cx, c.exceptWhen, inner, `${p}/exceptWhen`);
    if (exceptWhen) catchIR.exceptWhen = exceptWhen;
    const retry = compileRetry(cx, c.retry, inner, `${p}/retry`);
    if (retry) catchIR.retry = retry;
    if (c.do !== undefined) catchIR.do = compileTaskList(cx, c.do, `${p}/do`, inner, inFor);
    task.catch = catchIR;
  }
  if (b.finally !== undefined) {
    task.finally = compileTaskList(cx, b.finally, `${base.id}/finally`, vars, inFor);
  }
  return task;
}

function errorFilter(w: Obj): ErrorFilterIR {
  const f: ErrorFilterIR = {};
  if (typeof w.type === 'string') f.type = w.type;
  if (typeof w.status === 'number') f.status = w.status;
  if (typeof w.instance === 'string') f.instance = w.instance;
  if (typeof w.title === 'string') f.title = w.title;
  const detail = w.detail ?? w.details;
  if (typeof detail === 'string') f.detail = detail;
  return f;
}

function compileRetry(
  cx: TaskContext,
  value: unknown,
  vars: readonly string[],
  path: string,
): RetryIR | undefined {
  let r = value;
  if (typeof value === 'string') {
    r = isObj(cx.use.retries) ? cx.use.retries[value] : undefined;
    if (!isObj(r)) {
      cx.diagnostics.push({
        path,
        message: `retry policy '${value}' is not defined in use.retries`,
      });
      return undefined;
    }
  }
  if (!isObj(r)) return undefined;
  const backoff = isObj(r.backoff)
    ? (['exponential', 'linear', 'constant'] as const).find((k) => k in (r.backoff as Obj))
    : undefined;
  const retry: RetryIR = {
    delay: compileDuration(cx, r.delay, vars, `${path}/delay`) ?? { ms: 0 },
    backoff: backoff ?? 'constant',
  };
  const when = compileExprField(cx, r.when, vars, `${path}/when`);
  if (when) retry.when = when;
  const exceptWhen = compileExprField(cx, r.exceptWhen, vars, `${path}/exceptWhen`);
  if (exceptWhen) retry.exceptWhen = exceptWhen;
  const limit = isObj(r.limit) ? r.limit : {};
  const attempt = isObj(limit.attempt) ? limit.attempt : {};
  if (typeof attempt.count === 'number') retry.attemptCount = attempt.count;
  const ad = compileDuration(cx, attempt.duration, vars, `${path}/limit/attempt/duration`);
  if (ad) retry.attemptDuration = ad;
  const d = compileDuration(cx, limit.duration, vars, `${path}/limit/duration`);
  if (d) retry.duration = d;
  if (isObj(r.jitter)) {
    retry.jitter = {
      from: compileDuration(cx, r.jitter.from, vars, `${path}/jitter/from`) ?? { ms: 0 },
      to: compileDuration(cx, r.jitter.to, vars, `${path}/jitter/to`) ?? { ms: 0 },
    };
  }
  return retry;
}

function compileRaise(cx: TaskContext, b: Obj, id: string, vars: readonly string[]) {
  const r = isObj(b.raise) ? b.raise : {};
  let e = r.error;
  if (typeof e === 'string') {
    const named = isObj(cx.use.errors) ? cx.use.errors[e] : undefined;
    if (!isObj(named))
      cx.diagnostics.push({
        path: `${id}/raise/error`,
        message: `error '${e}' is not defined in use.errors`,
      });
    e = named;
  }
  const err = isObj(e) ? e : {};
  const p = `${id}/raise/error`;
  const out: ErrorIR = {
    type: compileTemplate(
      cx,
      err.type ?? 'https://serverlessworkflow.io/spec/1.0.0/errors/runtime',
      vars,
      `${p}/type`,
    ),
    status: compileTemplate(cx, err.status ?? 500, vars, `${p}/status`),
  };
  if (err.title !== undefined) out.title = compileTemplate(cx, err.title, vars, `${p}/title`);
  if (err.detail !== undefined) out.detail = compileTemplate(cx, err.detail, vars, `${p}/detail`);
  if (err.instance !== undefined)
    out.instance = compileTemplate(cx, err.instance, vars, `${p}/instance`);
  return out;
}

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

function compileListen(cx: TaskContext, base: TaskCommon, b: Obj, vars: readonly string[]): TaskIR {
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
    if (f.do !== undefined)
      task.foreach.do = compileTaskList(cx, f.do, `${base.id}/foreach/do`, inner, false);
    const out = isObj(f.output) ? f.output : {};
    const as = compileTransform(cx, out.as, inner, `${base.id}/foreach/output/as`);
    if (as) task.foreach.outputAs = as;
    const exp = isObj(f.export) ? f.export : {};
    const ex = compileTransform(cx, exp.as, inner, `${base.id}/foreach/export/as`);
    if (ex) task.foreach.exportAs = ex;
  }
  return task;
}

function compileCache(cx: TaskContext, b: Obj, vars: readonly string[], id: string) {
  if (!isObj(b.cache)) return undefined;
  const key = compileExprField(cx, b.cache.key, vars, `${id}/cache/key`);
  const ttl = compileDuration(cx, b.cache.ttl, vars, `${id}/cache/ttl`);
  return key ? { key, ttl: ttl ?? { ms: 0 } } : undefined;
}

function compileRun(cx: TaskContext, base: TaskCommon, b: Obj, vars: readonly string[]): TaskIR {
  const r = isObj(b.run) ? b.run : {};
  const process =
    (['workflow', 'script', 'shell', 'container'] as const).find((k) => k in r) ?? 'script';
  const task: TaskIR = { ...base, kind: 'run', process, await: r.await !== false };
  if (process === 'workflow' && isObj(r.workflow)) {
    const w = r.workflow;
    task.workflow = {
      namespace: String(w.namespace ?? 'default'),
      name: String(w.name ?? ''),
      version: typeof w.version === 'string' ? w.version : 'latest',
    };
    if (w.input !== undefined) {
      task.workflow.input = compileTemplate(cx, w.input, vars, `${base.id}/run/workflow/input`);
    }
  }
  const cache = compileCache(cx, b, vars, base.id);
  if (cache) task.cache = cache;
  return task;
}

/** `call: asyncapi` subscriptions iterate messages with their own variables (weft does
 *  not run asyncapi yet, but its documents compile cleanly). */
function subscriptionVariables(b: Obj): string[] {
  const sub = isObj(b.with) && isObj(b.with.subscription) ? b.with.subscription : undefined;
  const f = sub && isObj(sub.foreach) ? sub.foreach : undefined;
  if (!f) return [];
  return [typeof f.item === 'string' ? f.item : 'item', typeof f.at === 'string' ? f.at : 'index'];
}

/** Replace `authentication: {use: NAME}` anywhere in a call's `with` by the named policy. */
function resolveAuthentication(cx: TaskContext, value: unknown, path: string): unknown {
  if (Array.isArray(value))
    return value.map((v, i) => resolveAuthentication(cx, v, `${path}/${i}`));
  if (!isObj(value)) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) {
    if (
      k === 'authentication' &&
      isObj(v) &&
      typeof v.use === 'string' &&
      Object.keys(v).length === 1
    ) {
      const named = isObj(cx.use.authentications) ? cx.use.authentications[v.use] : undefined;
      if (named === undefined) {
        cx.diagnostics.push({
          path: `${path}/${k}`,
          message: `authentication '${v.use}' is not defined in use.authentications`,
        });
        out[k] = v;
      } else {
        out[k] = named;
      }
    } else {
      out[k] = resolveAuthentication(cx, v, `${path}/${escapePointer(k)}`);
    }
  }
  return out;
}

function compileCall(
  cx: TaskContext,
  base: TaskCommon,
  b: Obj,
  vars: readonly string[],
  inFor: boolean,
): TaskIR {
  const call = typeof b.call === 'string' ? b.call : '';
  const args = resolveAuthentication(cx, b.with ?? {}, `${base.id}/with`);
  const task: TaskIR = {
    ...base,
    kind: 'call',
    call,
    args: compileTemplate(cx, args, [...vars, ...subscriptionVariables(b)], `${base.id}/with`),
  };
  const fn = isObj(cx.use.functions) ? cx.use.functions[call] : undefined;
  if (fn !== undefined && !['http', 'openapi', 'grpc', 'asyncapi', 'a2a', 'mcp'].includes(call)) {
    if (cx.functionStack.includes(call)) {
      cx.diagnostics.push({ path: `${base.id}/call`, message: `function '${call}' calls itself` });
    } else {
      cx.functionStack.push(call);
      task.function = compileTask(
        cx,
        call,
        fn,
        // Compiled per call site, under the call site's pointer (`/do/0/a/call`), so that
        // two call sites of one function give their effects different ids and keys.
        `${base.id}/call`,
        BASE_VARIABLES,
        inFor,
      );
      cx.functionStack.pop();
    }
  }
  const cache = compileCache(cx, b, vars, base.id);
  if (cache) task.cache = cache;
  return task;
}
