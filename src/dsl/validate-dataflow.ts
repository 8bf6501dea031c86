// `input`, `output`, `export` and their `schema`: the data-flow fields of the workflow
// and of every task.
import type { Scope } from './expressions.js';
import { withVariables } from './expressions.js';
import { describe, isObject } from './validate-context.js';
import type { Validation } from './validate-refs.js';
import { checkExternalResource } from './validate-resources.js';
import { checkExpression, checkTemplate } from './validate-values.js';

/** `schema: {format?, document | resource}`. */
export function checkSchema(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope,
): void {
  const { ctx } = val;
  const ok = ctx.object(v, path, name, {
    props: {
      format: (x, p, n) => ctx.string(x, p, n),
      document: () => undefined,
      resource: (x, p, n) => checkExternalResource(val, x, p, n, scope),
    },
  });
  if (!ok) return;
  const obj = v as Record<string, unknown>;
  const count = ('document' in obj ? 1 : 0) + ('resource' in obj ? 1 : 0);
  if (count !== 1) {
    ctx.report(
      path,
      `'${name}' must have exactly one of 'document' (inline) or 'resource' (external)`,
    );
  }
}

/** `input: {schema?, from?}`, `output: {schema?, as?}`, `export: {schema?, as?}`. */
export function checkDataFlow(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope,
  field: 'from' | 'as',
): void {
  val.ctx.object(v, path, name, {
    props: {
      schema: (x, p, n) => checkSchema(val, x, p, n, scope),
      [field]: (x, p, n) => {
        if (typeof x === 'string') checkExpression(val, x, p, n, scope);
        else if (isObject(x)) checkTemplate(val, x, p, n, scope);
        else val.ctx.report(p, `'${n}' must be a jq expression or a mapping, got ${describe(x)}`);
      },
    },
  });
}

/**
 * `listen.foreach` and asyncapi `subscription.foreach`: tasks run for each consumed
 * event or message, which they see as `$item` (or the `item` name) and `$index`.
 */
export function checkSubscriptionIterator(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope,
): void {
  const { ctx } = val;
  const it = isObject(v) ? v : {};
  const inner = withVariables(
    scope,
    typeof it.item === 'string' ? it.item : 'item',
    typeof it.at === 'string' ? it.at : 'index',
  );
  ctx.object(v, path, name, {
    props: {
      item: (x, p, n) => ctx.string(x, p, n),
      at: (x, p, n) => ctx.string(x, p, n),
      do: (x, p, n) => val.taskList(x, p, n, inner),
      output: (x, p, n) => checkDataFlow(val, x, p, n, inner, 'as'),
      export: (x, p, n) => checkDataFlow(val, x, p, n, inner, 'as'),
    },
  });
}
