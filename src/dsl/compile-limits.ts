// `limits` (weft extension, validate-limits.ts) -> LimitsIR: keys compiled once with
// `$input` as their only variable, periods normalised to milliseconds.
import type { LimitIR, LimitsIR } from './ir.js';
import { compileDuration } from './compile-duration.js';
import { compileExprField } from './compile-expr.js';
import type { TaskContext } from './compile-context.js';
import { isObj } from './compile-context.js';

const KEY_VARIABLES = ['input'];

function entry(cx: TaskContext, item: unknown, path: string): LimitIR | undefined {
  if (!isObj(item) || typeof item.limit !== 'number') return undefined;
  const out: LimitIR = { path, limit: item.limit };
  const key = compileExprField(cx, item.key, KEY_VARIABLES, `${path}/key`);
  if (key) out.key = key;
  return out;
}

export function compileLimits(cx: TaskContext, value: unknown): LimitsIR | undefined {
  if (!isObj(value)) return undefined;
  const ir: LimitsIR = { concurrency: [], rate: [] };
  if (typeof value.priority === 'number') ir.priority = value.priority;
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  list(value.concurrency).forEach((item, i) => {
    const e = entry(cx, item, `/limits/concurrency/${i}`);
    if (e) ir.concurrency.push(e);
  });
  list(value.rate).forEach((item, i) => {
    const path = `/limits/rate/${i}`;
    const e = entry(cx, item, path);
    if (!e || !isObj(item)) return;
    const period = compileDuration(cx, item.period, [], `${path}/period`);
    if (period && 'ms' in period && period.ms > 0) ir.rate.push({ ...e, periodMs: period.ms });
    else
      cx.diagnostics.push({
        path: `${path}/period`,
        message: 'expected a literal duration above 0',
      });
  });
  return ir;
}
