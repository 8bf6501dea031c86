// weft extension `limits` (top level): the default priority of a workflow's executions
// and the concurrency and rate limits they are admitted under (docs/extensions.md
// "limits", docs/operations.md "Limits"). Keys are jq expressions on the start input
// (`.` and `$input`); the key's value is computed once, when the execution starts.
import type { Json } from '../jq/api.js';
import { durationToMs } from './compile-duration.js';
import type { Scope } from './expressions.js';
import { isRuntimeExpression } from './expressions.js';
import { describe, isObject, sub } from './validate-context.js';
import type { Check } from './validate-context.js';
import type { Validation } from './validate-refs.js';
import { checkDuration, checkExpression } from './validate-values.js';

/** What a limit key may use: the input and nothing that varies as the execution runs. */
export const LIMIT_KEY_SCOPE: Scope = { variables: ['input'], inFor: false };

/** Priorities are clamped to ±1,000,000 by the stores' claim order. */
export const MAX_PRIORITY = 1_000_000;

function checkEntries(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  rate: boolean,
): void {
  const { ctx } = val;
  if (!Array.isArray(v)) {
    ctx.report(path, `'${name}' must be a list of limits, got ${describe(v)}`);
    return;
  }
  const seen = new Map<string, number>();
  v.forEach((item, i) => {
    const p = `${path}/${i}`;
    const n = sub(name, i);
    const ok = ctx.object(item, p, n, {
      required: rate ? ['limit', 'period'] : ['limit'],
      props: {
        key: (x, q, m) => checkExpression(val, x, q, m, LIMIT_KEY_SCOPE),
        limit: (x, q, m) => ctx.integer(x, q, m, 1),
        ...(rate
          ? {
              period: (x: unknown, q: string, m: string) => {
                if (typeof x === 'string' && isRuntimeExpression(x)) {
                  ctx.report(q, `'${m}' must be a literal duration like PT1M, not an expression`);
                  return;
                }
                const before = ctx.diagnostics.length;
                checkDuration(val, x, q, m, LIMIT_KEY_SCOPE);
                if (ctx.diagnostics.length > before) return;
                const ms = durationToMs(x as Json);
                if (typeof ms === 'string') ctx.report(q, `'${m}': ${ms}`);
                else if (ms <= 0) ctx.report(q, `'${m}' must be longer than 0, got ${describe(x)}`);
              },
            }
          : {}),
      },
    });
    if (!ok || !isObject(item)) return;
    const key =
      (typeof item.key === 'string' ? item.key.trim() : '') +
      (rate ? ` per ${JSON.stringify(item.period)}` : '');
    const first = seen.get(key);
    if (first !== undefined) {
      const same = rate ? 'key and period' : 'key';
      ctx.report(p, `'${n}' has the same ${same} as '${sub(name, first)}'; keep one`);
    } else seen.set(key, i);
  });
}

export const checkLimits =
  (val: Validation): Check =>
  (v, path, name) =>
    val.ctx.object(v, path, name, {
      props: {
        priority: (x, p, n) => val.ctx.integer(x, p, n, -MAX_PRIORITY, MAX_PRIORITY),
        concurrency: (x, p, n) => checkEntries(val, x, p, n, false),
        rate: (x, p, n) => checkEntries(val, x, p, n, true),
      },
    });
