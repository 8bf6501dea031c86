// The `with` of the call types weft cannot run yet (grpc, asyncapi, a2a, mcp). They
// are still checked field by field, so `weft validate` holds documents that use them
// to the DSL (the schema's rules, with its enumerations and required combinations).
import type { Scope } from './expressions.js';
import type { Check, ObjectSpec } from './validate-context.js';
import { checkSubscriptionIterator } from './validate-dataflow.js';
import type { Validation } from './validate-refs.js';
import {
  checkEndpoint,
  checkExternalResource,
  checkReferenceableAuthentication,
} from './validate-resources.js';
import { checkDuration, checkRuntimeExpression, checkTemplate } from './validate-values.js';

const ASYNCAPI_PROTOCOLS = [
  'amqp',
  'amqp1',
  'anypointmq',
  'googlepubsub',
  'http',
  'ibmmq',
  'jms',
  'kafka',
  'mercure',
  'mqtt',
  'mqtt5',
  'nats',
  'pulsar',
  'redis',
  'sns',
  'solace',
  'sqs',
  'stomp',
  'ws',
];
const A2A_METHODS = [
  'message/send',
  'message/stream',
  'tasks/get',
  'tasks/list',
  'tasks/cancel',
  'tasks/resubscribe',
  'tasks/pushNotificationConfig/set',
  'tasks/pushNotificationConfig/get',
  'tasks/pushNotificationConfig/list',
  'tasks/pushNotificationConfig/delete',
  'agent/getAuthenticatedExtendedCard',
];
const MCP_METHODS = [
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/read',
  'resources/templates/list',
];
// The schema's hostname pattern for gRPC services.
const HOST = /^[a-zA-Z0-9](?:[a-zA-Z0-9-.]{0,61}[a-zA-Z0-9])?$/;

/** Exactly one of `keys` must be present in `v`. */
function exactlyOne(val: Validation, v: unknown, path: string, name: string, keys: string[]) {
  if (typeof v !== 'object' || v === null) return;
  const given = keys.filter((k) => k in v);
  if (given.length !== 1) {
    val.ctx.report(
      path,
      given.length === 0
        ? `'${name}' needs one of ${keys.map((k) => `'${k}'`).join(' or ')}`
        : `'${name}' has ${given.join(' and ')}; give exactly one`,
    );
  }
}

export function protocolWithSpec(
  val: Validation,
  call: string,
  scope: Scope,
): ObjectSpec | undefined {
  const { ctx } = val;
  const str: Check = (x, p, n) => ctx.string(x, p, n);
  const obj: Check = (x, p, n) => ctx.expectObject(x, p, n);
  const strings: Check = (x, p, n) => ctx.stringList(x, p, n);
  const stringMap: Check = (x, p, n) => ctx.stringMap(x, p, n);
  const template: Check = (x, p, n) => checkTemplate(val, x, p, n, scope);
  const resource: Check = (x, p, n) => checkExternalResource(val, x, p, n, scope);
  const auth: Check = (x, p, n) => checkReferenceableAuthentication(val, x, p, n, scope);
  const objectOrString: Check = (x, p, n) => {
    if (typeof x === 'string' || ctx.expectObject(x, p, n)) template(x, p, n);
  };
  switch (call) {
    case 'grpc':
      return {
        required: ['proto', 'service', 'method'],
        props: {
          proto: resource,
          service: (x, p, n) =>
            ctx.object(x, p, n, {
              required: ['name', 'host'],
              props: {
                name: str,
                host: (y, q, m) => {
                  if (ctx.string(y, q, m) && !HOST.test(y)) {
                    ctx.report(q, `'${m}' must be a host name like greeter.example, got '${y}'`);
                  }
                },
                port: (y, q, m) => ctx.integer(y, q, m, 0, 65535),
                authentication: auth,
              },
            }),
          method: str,
          arguments: (x, p, n) => ctx.expectObject(x, p, n) && template(x, p, n),
        },
      };
    case 'asyncapi':
      return {
        required: ['document'],
        props: {
          document: resource,
          channel: str,
          operation: str,
          server: (x, p, n) =>
            ctx.object(x, p, n, { required: ['name'], props: { name: str, variables: obj } }),
          protocol: (x, p, n) => ctx.oneOf(x, p, n, ASYNCAPI_PROTOCOLS),
          message: (x, p, n) => {
            if (ctx.object(x, p, n, { props: { payload: obj, headers: obj } })) template(x, p, n);
          },
          subscription: (x, p, n) =>
            ctx.object(x, p, n, {
              required: ['consume'],
              props: {
                filter: (y, q, m) => checkRuntimeExpression(val, y, q, m, scope),
                consume: (y, q, m) => {
                  const ok = ctx.object(y, q, m, {
                    props: {
                      for: (z, r, o) => checkDuration(val, z, r, o, scope),
                      amount: (z, r, o) => ctx.integer(z, r, o),
                      while: (z, r, o) => checkRuntimeExpression(val, z, r, o, scope),
                      until: (z, r, o) => checkRuntimeExpression(val, z, r, o, scope),
                    },
                  });
                  if (ok) exactlyOne(val, y, q, m, ['amount', 'while', 'until']);
                },
                foreach: (y, q, m) => checkSubscriptionIterator(val, y, q, m, scope),
              },
            }),
          authentication: auth,
        },
        // The schema's four allowed combinations: one target, one direction.
        then: (v, path, name) => {
          exactlyOne(val, v, path, name, ['operation', 'channel']);
          exactlyOne(val, v, path, name, ['message', 'subscription']);
        },
      };
    case 'a2a':
      return {
        required: ['method'],
        props: {
          agentCard: resource,
          server: (x, p, n) => checkEndpoint(val, x, p, n, scope),
          method: (x, p, n) => ctx.oneOf(x, p, n, A2A_METHODS),
          parameters: (x, p, n) => {
            if (typeof x === 'object' && x !== null && Object.keys(x).length === 0) {
              ctx.report(p, `'${n}' is empty; leave it out or give parameters`);
            } else objectOrString(x, p, n);
          },
        },
      };
    case 'mcp':
      return {
        // The schema leaves MCP arguments open to other properties.
        open: true,
        required: ['method', 'transport'],
        props: {
          protocolVersion: str,
          method: (x, p, n) => ctx.oneOf(x, p, n, MCP_METHODS),
          parameters: objectOrString,
          timeout: (x, p, n) => checkDuration(val, x, p, n, scope),
          transport: (x, p, n) => {
            const ok = ctx.object(x, p, n, {
              props: {
                http: (y, q, m) =>
                  ctx.object(y, q, m, {
                    open: true,
                    required: ['endpoint'],
                    props: {
                      endpoint: (z, r, o) => checkEndpoint(val, z, r, o, scope),
                      headers: stringMap,
                    },
                  }),
                stdio: (y, q, m) =>
                  ctx.object(y, q, m, {
                    open: true,
                    required: ['command'],
                    props: { command: str, arguments: strings, environment: stringMap },
                  }),
                options: stringMap,
              },
            });
            if (ok) exactlyOne(val, x, p, n, ['http', 'stdio']);
          },
          client: (x, p, n) =>
            ctx.object(x, p, n, {
              open: true,
              required: ['name', 'version'],
              props: { name: str, version: str, description: str },
            }),
        },
      };
    default:
      return undefined;
  }
}
