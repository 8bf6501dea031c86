// Events: the CloudEvent attributes of `emit` and of event filters, and the
// consumption strategies of `listen` and `schedule.on` (all / any [until] / one).
import type { Scope } from './expressions.js';
import { isRuntimeExpression } from './expressions.js';
import { describe, isObject, sub } from './validate-context.js';
import type { Check } from './validate-context.js';
import type { Validation } from './validate-refs.js';
import { checkUriOrExpression } from './validate-resources.js';
import { checkDateTime, checkExpression, checkTemplate } from './validate-values.js';

/** CloudEvent attributes; extra attributes are allowed. */
export function checkEventProperties(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope,
  required: readonly string[] = [],
): boolean {
  const { ctx } = val;
  const str: Check = (x, p, n) => ctx.string(x, p, n);
  const ok = ctx.object(v, path, name, {
    open: true,
    required,
    props: {
      id: str,
      source: (x, p, n) => checkUriOrExpression(val, x, p, n, scope),
      type: str,
      time: (x, p, n) => checkDateTime(val, x, p, n, scope),
      subject: str,
      datacontenttype: str,
      dataschema: (x, p, n) => checkUriOrExpression(val, x, p, n, scope),
      data: () => undefined,
    },
  });
  if (ok) checkTemplate(val, v, path, name, scope);
  return ok;
}

/** `{with: ATTRIBUTES, correlate?: {NAME: {from, expect?}}}`. */
export function checkEventFilter(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope,
): void {
  const { ctx } = val;
  ctx.object(v, path, name, {
    required: ['with'],
    props: {
      with: (x, p, n) => {
        if (checkEventProperties(val, x, p, n, scope) && Object.keys(x as object).length === 0) {
          ctx.report(p, `'${n}' is empty; give at least one event attribute to match`);
        }
      },
      correlate: (x, p, n) => {
        if (!ctx.expectObject(x, p, n)) return;
        for (const [key, c] of Object.entries(x)) {
          ctx.object(c, `${p}/${key}`, sub(n, key), {
            open: true,
            required: ['from'],
            props: {
              from: (y, q, m) => checkExpression(val, y, q, m, scope),
              expect: (y, q, m) => {
                if (ctx.string(y, q, m) && isRuntimeExpression(y)) {
                  checkExpression(val, y, q, m, scope);
                }
              },
            },
          });
        }
      },
    },
  });
}

const STRATEGIES = ['all', 'any', 'one'];

/** `{all: [filters]}`, `{any: [filters], until?}` or `{one: filter}`. */
export function checkConsumptionStrategy(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope,
  allowUntil = true,
): void {
  const { ctx } = val;
  if (!ctx.expectObject(v, path, name)) return;
  const kinds = STRATEGIES.filter((k) => k in v);
  if (kinds.length !== 1) {
    ctx.report(
      path,
      kinds.length === 0
        ? `'${name}' must have one of 'all', 'any' or 'one'`
        : `'${name}' has ${kinds.join(' and ')}; give exactly one of 'all', 'any' or 'one'`,
    );
  }
  const filters: Check = (x, p, n) => {
    if (!Array.isArray(x)) {
      ctx.report(p, `'${n}' must be a list of event filters, got ${describe(x)}`);
      return;
    }
    x.forEach((f, i) => checkEventFilter(val, f, `${p}/${i}`, sub(n, i), scope));
  };
  const props: Record<string, Check> = {
    all: filters,
    any: filters,
    one: (x, p, n) => checkEventFilter(val, x, p, n, scope),
  };
  if (kinds.length === 1 && kinds[0] === 'any' && allowUntil) {
    props.until = (x, p, n) => {
      if (typeof x === 'string') checkExpression(val, x, p, n, scope);
      else if (isObject(x)) checkConsumptionStrategy(val, x, p, n, scope, false);
      else
        ctx.report(
          p,
          `'${n}' must be a jq condition or a consumption strategy, got ${describe(x)}`,
        );
    };
  }
  ctx.object(v, path, name, { props });
}
