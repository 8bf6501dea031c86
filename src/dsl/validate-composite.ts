// The field checks of the task types that hold task lists: do, fork, for, switch
// (whose cases jump within the list) and try. They set the scope of what they hold:
// a `for` adds its item/index variables and allows `then: break`; a `catch` adds the
// caught error's name; fork branches do not inherit `break` (a branch cannot leave
// the loop around the fork).
import { BASE_VARIABLES, withVariables } from './expressions.js';
import { describe, isObject, sub } from './validate-context.js';
import { checkErrorFilter, checkRetryOrReference } from './validate-errors.js';
import { checkThen } from './validate-flow.js';
import type { KindCheck } from './validate-flow.js';
import { checkExpression } from './validate-values.js';

export const checkDo: KindCheck = (val, _t, _p, _n, { scope }) => ({
  props: { do: (v, path, name) => val.taskList(v, path, name, scope) },
});

export const checkFork: KindCheck = (val, _t, _p, _n, { scope }) => ({
  props: {
    fork: (v, path, name) => {
      const ok = val.ctx.object(v, path, name, {
        required: ['branches'],
        props: {
          branches: (x, p, n) => val.taskList(x, p, n, { ...scope, inFor: false }),
          compete: (x, p, n) => val.ctx.boolean(x, p, n),
        },
        extensions: {
          quorum: (x, p, n) => {
            const branches =
              isObject(v) && Array.isArray(v.branches) ? v.branches.length : undefined;
            val.ctx.integer(x, p, n, 1, branches);
          },
        },
      });
      if (ok && v.compete === true && 'quorum' in v) {
        val.ctx.report(`${path}/quorum`, `'${name}' has both 'compete' and 'quorum'; give one`);
      }
    },
  },
});

export const checkFor: KindCheck = (val, task, path, name, { scope }) => {
  const { ctx } = val;
  const loop = isObject(task.for) ? task.for : {};
  const each = typeof loop.each === 'string' ? loop.each : 'item';
  const at = typeof loop.at === 'string' ? loop.at : 'index';
  const inner = { ...withVariables(scope, each, at), inFor: true };
  const variableName = (x: unknown, p: string, n: string) => {
    if (!ctx.string(x, p, n)) return;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(x)) {
      ctx.report(p, `'${n}' must be a jq variable name like item (letters, digits, _), got '${x}'`);
    } else if (BASE_VARIABLES.includes(x)) {
      ctx.report(p, `'${n}' is '${x}', which hides $${x} inside the loop`, 'warning');
    }
  };
  if (each === at) {
    ctx.report(`${path}/for`, `'${name}.for' uses '${each}' for both the item and the index`);
  }
  if (isObject(task.for) && !('in' in task.for)) {
    if (ctx.options.strict) {
      ctx.report(
        `${path}/for`,
        `'${name}.for' without 'in' is a weft extension; not allowed with --strict`,
      );
    } else if (!('while' in task)) {
      ctx.report(
        `${path}/for`,
        `'${name}.for' has no 'in'; give 'in' (the collection), or 'while' to iterate 0, 1, 2, ... while it holds`,
      );
    }
  }
  return {
    required: ['do'],
    props: {
      for: (v, p, n) =>
        ctx.object(v, p, n, {
          props: {
            each: variableName,
            at: variableName,
            in: (x, q, m) => checkExpression(val, x, q, m, scope),
          },
          extensions: { concurrency: (x, q, m) => ctx.integer(x, q, m, 1) },
        }),
      while: (v, p, n) => checkExpression(val, v, p, n, inner),
      do: (v, p, n) => val.taskList(v, p, n, inner),
    },
  };
};

export const checkSwitch: KindCheck = (val, _t, _p, _n, place) => {
  const { ctx } = val;
  return {
    props: {
      switch: (v, path, name) => {
        if (!Array.isArray(v) || v.length === 0) {
          ctx.report(path, `'${name}' must be a non-empty list of cases, got ${describe(v)}`);
          return;
        }
        v.forEach((item, i) => {
          const keys = isObject(item) ? Object.keys(item) : [];
          if (!isObject(item) || keys.length !== 1) {
            ctx.report(
              `${path}/${i}`,
              `each case of '${name}' must be a mapping of one case name to {when, then}, got ${describe(item)}`,
            );
            return;
          }
          const caseName = keys[0]!;
          ctx.object(item[caseName], `${path}/${i}/${caseName}`, sub(name, caseName), {
            required: ['then'],
            props: {
              when: (x, p, n) => checkExpression(val, x, p, n, place.scope),
              then: (x, p, n) => checkThen(val, x, p, n, place),
            },
          });
        });
      },
    },
  };
};

export const checkTry: KindCheck = (val, task, path, name, { scope }) => {
  const { ctx } = val;
  const c = isObject(task.catch) ? task.catch : {};
  const caught = withVariables(scope, typeof c.as === 'string' ? c.as : 'error');
  // weft: `catch` may be left out when `finally` is given.
  if (!('catch' in task) && (!('finally' in task) || ctx.options.strict)) {
    ctx.report(path, `missing required property 'catch' in '${name}'`);
  }
  return {
    props: {
      try: (v, p, n) => val.taskList(v, p, n, scope),
      catch: (v, p, n) =>
        ctx.object(v, p, n, {
          props: {
            errors: (x, q, m) =>
              ctx.object(x, q, m, {
                open: true,
                props: { with: (y, r, o) => checkErrorFilter(val, y, r, o) },
              }),
            as: (x, q, m) => ctx.string(x, q, m),
            when: (x, q, m) => checkExpression(val, x, q, m, caught),
            exceptWhen: (x, q, m) => checkExpression(val, x, q, m, caught),
            retry: (x, q, m) => checkRetryOrReference(val, x, q, m, caught),
            do: (x, q, m) => val.taskList(x, q, m, caught),
          },
        }),
    },
    extensions: { finally: (v, p, n) => val.taskList(v, p, n, scope) },
  };
};
