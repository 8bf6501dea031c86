// The field checks of the simple task types (emit, listen, raise, set, wait) and the
// table of every type's check (call: validate-call.ts, run: validate-run.ts, the
// types holding task lists: validate-composite.ts). Each returns the spec of its own
// fields; validate-tasks.ts adds the fields every task has (if, input, output, export,
// timeout, then, metadata).
import type { TaskKind } from './document.js';
import { checkCall } from './validate-call.js';
import { describe, isObject } from './validate-context.js';
import { checkSubscriptionIterator } from './validate-dataflow.js';
import { checkErrorOrReference } from './validate-errors.js';
import { checkConsumptionStrategy, checkEventProperties } from './validate-events.js';
import type { KindCheck } from './validate-flow.js';
import { checkRun } from './validate-run.js';
import { checkDo, checkFor, checkFork, checkSwitch, checkTry } from './validate-composite.js';
import { checkDateTime, checkDuration, checkExpression, checkTemplate } from './validate-values.js';

const checkEmit: KindCheck = (val, _t, _p, _n, { scope }) => ({
  props: {
    emit: (v, path, name) =>
      val.ctx.object(v, path, name, {
        required: ['event'],
        props: {
          event: (x, p, n) =>
            val.ctx.object(x, p, n, {
              open: true,
              props: {
                with: (y, q, m) => checkEventProperties(val, y, q, m, scope, ['source', 'type']),
              },
            }),
        },
      }),
  },
});

const checkListen: KindCheck = (val, _t, _p, _n, { scope }) => {
  const { ctx } = val;
  return {
    props: {
      listen: (v, path, name) =>
        ctx.object(v, path, name, {
          required: ['to'],
          props: {
            to: (x, p, n) => checkConsumptionStrategy(val, x, p, n, scope),
            read: (x, p, n) => ctx.oneOf(x, p, n, ['data', 'envelope', 'raw']),
          },
        }),
      foreach: (v, path, name) => checkSubscriptionIterator(val, v, path, name, scope),
    },
  };
};

const checkRaise: KindCheck = (val, _t, _p, _n, { scope }) => ({
  props: {
    raise: (v, path, name) =>
      val.ctx.object(v, path, name, {
        required: ['error'],
        props: { error: (x, p, n) => checkErrorOrReference(val, x, p, n, scope) },
      }),
  },
});

const checkSet: KindCheck = (val, _t, _p, _n, { scope }) => ({
  props: {
    set: (v, path, name) => {
      if (typeof v === 'string') checkExpression(val, v, path, name, scope);
      else if (!isObject(v)) {
        val.ctx.report(path, `'${name}' must be a mapping or an expression, got ${describe(v)}`);
      } else if (Object.keys(v).length === 0) {
        val.ctx.report(path, `'${name}' is empty; give at least one property to set`);
      } else checkTemplate(val, v, path, name, scope);
    },
  },
});

const checkWait: KindCheck = (val, _t, _p, _n, { scope }) => ({
  props: {
    wait: (v, path, name) => {
      if (isObject(v) && 'until' in v) {
        if (!val.ctx.extension(`${path}/until`, `${name}.until`)) return;
        val.ctx.object(v, path, name, {
          props: { until: (x, p, n) => checkDateTime(val, x, p, n, scope) },
        });
        return;
      }
      checkDuration(val, v, path, name, scope);
    },
  },
});

export const kindChecks: Record<TaskKind, KindCheck> = {
  call: checkCall,
  do: checkDo,
  fork: checkFork,
  emit: checkEmit,
  for: checkFor,
  listen: checkListen,
  raise: checkRaise,
  run: checkRun,
  set: checkSet,
  switch: checkSwitch,
  try: checkTry,
  wait: checkWait,
};
