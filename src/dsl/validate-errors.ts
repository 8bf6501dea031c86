// Errors (RFC 7807 problems), error filters, retry policies and timeouts, inline or
// by name from `use`.
import type { Scope } from './expressions.js';
import { isRuntimeExpression } from './expressions.js';
import { describe, isObject } from './validate-context.js';
import type { Check } from './validate-context.js';
import type { Validation } from './validate-refs.js';
import { checkReference } from './validate-refs.js';
import { isAbsoluteUri } from './validate-resources.js';
import { checkDuration, checkExpression, checkTemplate } from './validate-values.js';

/** `{type, status, instance?, title?, detail?}`; strings may be runtime expressions. */
export function checkErrorDefinition(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope,
): void {
  const { ctx } = val;
  const str: Check = (x, p, n) => ctx.string(x, p, n);
  const ok = ctx.object(v, path, name, {
    required: ['type', 'status'],
    props: {
      type: (x, p, n) => {
        if (typeof x === 'string' && (isRuntimeExpression(x) || isAbsoluteUri(x))) return;
        ctx.report(
          p,
          `'${n}' must be an absolute URI like https://serverlessworkflow.io/spec/1.0.0/errors/runtime or a runtime expression, got ${describe(x)}`,
        );
      },
      status: (x, p, n) => ctx.integer(x, p, n),
      instance: (x, p, n) => {
        if (typeof x === 'string' && (isRuntimeExpression(x) || /^(\/([^~]|~[01])*)*$/.test(x))) {
          return;
        }
        ctx.report(
          p,
          `'${n}' must be a JSON pointer like /do/0/task or a runtime expression, got ${describe(x)}`,
        );
      },
      title: str,
      detail: str,
    },
  });
  if (ok) checkTemplate(val, v, path, name, scope);
}

/** `raise.error` and the like: an inline error or the name of one in use.errors. */
export function checkErrorOrReference(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope,
): void {
  if (typeof v === 'string') checkReference(val, v, path, name, 'errors');
  else checkErrorDefinition(val, v, path, name, scope);
}

/** `catch.errors.with`: which errors to catch. */
export function checkErrorFilter(val: Validation, v: unknown, path: string, name: string): void {
  const { ctx } = val;
  const str: Check = (x, p, n) => ctx.string(x, p, n);
  const ok = ctx.object(v, path, name, {
    open: true,
    props: {
      type: str,
      status: (x, p, n) => ctx.integer(x, p, n),
      instance: str,
      title: str,
      details: str,
    },
  });
  if (ok && Object.keys(v).length === 0) {
    ctx.report(
      path,
      `'${name}' is empty; give at least one of type, status, instance, title, details`,
    );
  }
}

/** `{when?, exceptWhen?, delay?, backoff?, limit?, jitter?}`. */
export function checkRetryPolicy(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope,
): void {
  const { ctx } = val;
  const duration: Check = (x, p, n) => checkDuration(val, x, p, n, scope);
  // `when`/`exceptWhen` of a retry see the caught error as $error (catch `as`).
  const expr: Check = (x, p, n) => checkExpression(val, x, p, n, scope);
  const backoffKind: Check = (x, p, n) => ctx.expectObject(x, p, n);
  ctx.object(v, path, name, {
    props: {
      when: expr,
      exceptWhen: expr,
      delay: duration,
      backoff: (x, p, n) => {
        if (
          !ctx.object(x, p, n, {
            props: { constant: backoffKind, exponential: backoffKind, linear: backoffKind },
          })
        ) {
          return;
        }
        if (Object.keys(x).length !== 1) {
          ctx.report(p, `'${n}' must have exactly one of constant, exponential, linear`);
        }
      },
      limit: (x, p, n) =>
        ctx.object(x, p, n, {
          props: {
            attempt: (y, q, m) =>
              ctx.object(y, q, m, {
                props: { count: (z, r, o) => ctx.integer(z, r, o), duration },
              }),
            duration,
          },
        }),
      jitter: (x, p, n) =>
        ctx.object(x, p, n, { required: ['from', 'to'], props: { from: duration, to: duration } }),
    },
  });
}

/** `catch.retry`: an inline policy or the name of one in use.retries. */
export function checkRetryOrReference(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope,
): void {
  if (typeof v === 'string') checkReference(val, v, path, name, 'retries');
  else if (isObject(v)) checkRetryPolicy(val, v, path, name, scope);
  else {
    val.ctx.report(
      path,
      `'${name}' must be a retry policy or the name of one in use.retries, got ${describe(v)}`,
    );
  }
}

/** `{after: DURATION}`. */
export function checkTimeout(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope,
) {
  val.ctx.object(v, path, name, {
    required: ['after'],
    props: { after: (x, p, n) => checkDuration(val, x, p, n, scope) },
  });
}

/** A task's or the workflow's `timeout`: inline or the name of one in use.timeouts. */
export function checkTimeoutOrReference(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope,
): void {
  if (typeof v === 'string') checkReference(val, v, path, name, 'timeouts');
  else checkTimeout(val, v, path, name, scope);
}
