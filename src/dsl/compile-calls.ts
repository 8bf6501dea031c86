// call / run -> IR: use.functions inline, authentication references, weft cache.

import type { TaskCommon, TaskIR } from './ir.js';
import { compileExprField, compileTemplate, escapePointer } from './compile-expr.js';
import { compileDuration } from './compile-duration.js';
import type { Obj, TaskContext } from './compile-context.js';
import { BASE_VARIABLES, isObj } from './compile-context.js';

function compileCache(cx: TaskContext, b: Obj, vars: readonly string[], id: string) {
  if (!isObj(b.cache)) return undefined;
  const key = compileExprField(cx, b.cache.key, vars, `${id}/cache/key`);
  const ttl = compileDuration(cx, b.cache.ttl, vars, `${id}/cache/ttl`);
  return key ? { key, ttl: ttl ?? { ms: 0 } } : undefined;
}

export function compileRun(
  cx: TaskContext,
  base: TaskCommon,
  b: Obj,
  vars: readonly string[],
): TaskIR {
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

export function compileCall(
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
      cx.extensionDepth++;
      task.function = cx.task(
        call,
        fn,
        // Compiled per call site, under the call site's pointer (`/do/0/a/call`), so that
        // two call sites of one function give their effects different ids and keys.
        `${base.id}/call`,
        BASE_VARIABLES,
        inFor,
      );
      cx.extensionDepth--;
      cx.functionStack.pop();
    }
  }
  const cache = compileCache(cx, b, vars, base.id);
  if (cache) task.cache = cache;
  return task;
}
