// `call` tasks: http, openapi, grpc, asyncapi, a2a, mcp, and calls of functions by
// name. A name that is not built in and not in use.functions is allowed: it may be a
// TypeScript function the embedding application registers, or a catalog function
// `name:version@catalog`; the engine checks it at registration.
import type { Scope } from './expressions.js';
import { isRuntimeExpression } from './expressions.js';
import { describe, isObject } from './validate-context.js';
import type { Check, ObjectSpec } from './validate-context.js';
import type { KindCheck } from './validate-flow.js';
import { protocolWithSpec } from './validate-call-protocols.js';
import type { Validation } from './validate-refs.js';
import {
  checkEndpoint,
  checkExternalResource,
  checkReferenceableAuthentication,
} from './validate-resources.js';
import { checkDuration, checkExpression, checkTemplate } from './validate-values.js';

const OUTPUT_FORMATS = ['raw', 'content', 'response'];
// grpc, asyncapi, a2a, mcp: validate-call-protocols.ts.
const NOT_SUPPORTED = ['grpc', 'asyncapi', 'a2a', 'mcp'];

/** weft extension `cache: {key, ttl}` on call and run tasks. */
export function cacheCheck(val: Validation, scope: Scope): Check {
  return (v, path, name) =>
    val.ctx.object(v, path, name, {
      required: ['key', 'ttl'],
      props: {
        key: (x, p, n) => checkExpression(val, x, p, n, scope),
        ttl: (x, p, n) => checkDuration(val, x, p, n, scope),
      },
    });
}

/** Headers and query: a mapping of strings, or one runtime expression. */
function stringMapOrExpression(val: Validation, scope: Scope): Check {
  return (v, path, name) => {
    if (typeof v === 'string' && isRuntimeExpression(v)) {
      checkTemplate(val, v, path, name, scope);
      return;
    }
    if (!isObject(v)) {
      val.ctx.report(
        path,
        `'${name}' must be a mapping of strings or a runtime expression, got ${describe(v)}`,
      );
      return;
    }
    val.ctx.stringMap(v, path, name);
    checkTemplate(val, v, path, name, scope);
  };
}

function withSpec(val: Validation, call: string, scope: Scope): ObjectSpec | undefined {
  const { ctx } = val;
  const str: Check = (x, p, n) => ctx.string(x, p, n);
  const bool: Check = (x, p, n) => ctx.boolean(x, p, n);
  const template: Check = (x, p, n) => checkTemplate(val, x, p, n, scope);
  const endpoint: Check = (x, p, n) => checkEndpoint(val, x, p, n, scope);
  const resource: Check = (x, p, n) => checkExternalResource(val, x, p, n, scope);
  const auth: Check = (x, p, n) => checkReferenceableAuthentication(val, x, p, n, scope);
  const output: Check = (x, p, n) => ctx.oneOf(x, p, n, OUTPUT_FORMATS);
  switch (call) {
    case 'http':
      return {
        required: ['method', 'endpoint'],
        props: {
          method: str,
          endpoint,
          headers: stringMapOrExpression(val, scope),
          body: template,
          query: stringMapOrExpression(val, scope),
          output,
          redirect: bool,
        },
      };
    case 'openapi':
      return {
        required: ['document', 'operationId'],
        props: {
          document: resource,
          operationId: str,
          parameters: (x, p, n) => ctx.expectObject(x, p, n) && template(x, p, n),
          authentication: auth,
          output,
          redirect: bool,
        },
      };
    default:
      return protocolWithSpec(val, call, scope);
  }
}

export const checkCall: KindCheck = (val, task, path, name, place) => {
  const { ctx } = val;
  const { scope } = place;
  const call = task.call;
  const spec = typeof call === 'string' ? withSpec(val, call, scope) : undefined;
  if (typeof call === 'string' && NOT_SUPPORTED.includes(call)) {
    ctx.unsupported(`${path}/call`, `call: ${call}`);
  }
  return {
    required: spec ? ['with'] : [],
    props: {
      call: (x, p, n) => {
        if (ctx.string(x, p, n) && x.trim() === '') ctx.report(p, `'${n}' must name what to call`);
      },
      with: (x, p, n) => {
        if (spec) ctx.object(x, p, n, spec);
        else if (ctx.expectObject(x, p, n)) checkTemplate(val, x, p, n, scope);
      },
    },
    extensions: { cache: cacheCheck(val, scope) },
  };
};
