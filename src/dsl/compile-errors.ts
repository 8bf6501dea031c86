// try / catch / retry / raise -> IR (use.retries and use.errors resolved inline).

import type { CatchIR, ErrorFilterIR, ErrorIR, RetryIR, TaskCommon, TaskIR } from './ir.js';
import { compileExprField, compileTemplate } from './compile-expr.js';
import { compileDuration } from './compile-duration.js';
import type { Obj, TaskContext } from './compile-context.js';
import { isObj } from './compile-context.js';

export function compileTry(
  cx: TaskContext,
  base: TaskCommon,
  b: Obj,
  vars: readonly string[],
  inFor: boolean,
): TaskIR {
  const task: TaskIR = {
    ...base,
    kind: 'try',
    try: cx.list(b.try, `${base.id}/try`, vars, inFor),
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
    if (c.do !== undefined) catchIR.do = cx.list(c.do, `${p}/do`, inner, inFor);
    task.catch = catchIR;
  }
  if (b.finally !== undefined) {
    task.finally = cx.list(b.finally, `${base.id}/finally`, vars, inFor);
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

export function compileRaise(cx: TaskContext, b: Obj, id: string, vars: readonly string[]) {
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
