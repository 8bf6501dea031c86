// The HTTP API under /api/v1 (Hono + zod-openapi): routes are declared once with zod
// schemas (routes/*.ts), which both validate requests and make /api/v1/openapi.json.
// Errors become responses in exactly one place, onError below: every error body is an
// RFC 7807 problem (application/problem+json).
import type { IncomingMessage } from 'node:http';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { ApiEnv } from './context.js';
import { bodyLimit } from 'hono/body-limit';
import { HttpProblem, badRequest, problemResponse, toProblem, unauthorized } from './errors.js';
import type { KeyRing, Principal } from './keys.js';
import type { EnginePort } from './port.js';
import { eventRoutes } from './routes/events.js';
import { executionRoutes } from './routes/executions.js';
import { healthRoutes } from './routes/health.js';
import { hookRoutes } from './routes/hooks.js';
import { workflowRoutes } from './routes/workflows.js';
import type { HookRegistry } from './webhooks.js';
import type { ApprovalInbox } from './approvals.js';
import { approvalRoutes } from './routes/approvals.js';

export interface AppOptions {
  engine: EnginePort;
  /** API keys; without active keys every caller is an admin (serve binds to loopback then). */
  keys?: KeyRing;
  hooks?: HookRegistry;
  approvals?: ApprovalInbox;
  /** Largest request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
}

/** Every caller when no key exists: the server listens on 127.0.0.1 only. */
export const openPrincipal: Principal = { role: 'admin', namespaces: '*' };

/** Requests without a key: the liveness probe, the API description, webhook deliveries (signed). */
const publicRoutes = [
  /^GET \/api\/v1\/health$/,
  /^GET \/api\/v1\/openapi\.json$/,
  /^POST \/api\/v1\/hooks\/[^/]+$/,
];

/** The principal of a request (or a 401 problem), shared with the WebSocket upgrade. */
export function authenticate(
  keys: KeyRing | undefined,
  authorization: string | undefined,
): Principal {
  if (!keys?.active()) return openPrincipal;
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) throw unauthorized('send an API key: Authorization: Bearer weft_...');
  const p = keys.verify(m[1]!);
  if (!p) throw unauthorized('the API key is unknown, revoked or malformed');
  return p;
}

/**
 * Bounds request bodies. On Node's server (c.env.incoming) a body with Content-Length is
 * judged by the header alone: Node's parser reads exactly that many bytes and refuses a
 * malformed or contradictory length, and the route then reads the body straight from the
 * socket (@hono/node-server's direct read) instead of through a WHATWG Request and stream,
 * which hono's bodyLimit builds to count bytes: that was ~10% of a start's CPU. A chunked
 * body (Transfer-Encoding) and requests without Node's message go through bodyLimit, which
 * counts the bytes as they arrive.
 */
function limitBody(maxBody: number, tooLarge: () => never): MiddlewareHandler<ApiEnv> {
  const counted = bodyLimit({ maxSize: maxBody, onError: tooLarge });
  return (c, next) => {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    if (!incoming || incoming.headers['transfer-encoding'] !== undefined) return counted(c, next);
    // neither header: a request without a body (RFC 9112 6.3)
    const length = incoming.headers['content-length'];
    if (length !== undefined && Number(length) > maxBody) tooLarge();
    return next();
  };
}

/** The one place where errors become HTTP responses (both app levels use it). */
function onError(err: unknown): Response {
  return problemResponse(toProblem(err));
}

export function createApp(options: AppOptions): OpenAPIHono<ApiEnv> {
  const maxBody = options.maxBodyBytes ?? 1 << 20;
  const api = new OpenAPIHono<ApiEnv>({
    // zod validation failures: 400 naming every field and what is wrong with it
    defaultHook: (result) => {
      if (!result.success) {
        const errors = result.error.issues.map((i) => ({
          path: '/' + i.path.map(String).join('/'),
          message: i.message,
        }));
        throw badRequest(
          `invalid request ${result.target}: ` +
            errors.map((e) => `${e.path}: ${e.message}`).join('; '),
          { errors },
        );
      }
    },
  });

  api.use(
    '*',
    limitBody(maxBody, () => {
      throw new HttpProblem(
        413,
        'payload-too-large',
        'Payload too large',
        `the body exceeds the limit of ${maxBody} bytes`,
      );
    }),
  );
  api.use('*', async (c, next) => {
    if (publicRoutes.some((r) => r.test(`${c.req.method} ${c.req.path}`))) {
      c.set('principal', openPrincipal);
    } else {
      c.set('principal', authenticate(options.keys, c.req.header('authorization')));
    }
    await next();
  });

  const deps = { port: options.engine };
  healthRoutes(api);
  workflowRoutes(api, deps);
  executionRoutes(api, deps);
  eventRoutes(api, deps);
  if (options.hooks) hookRoutes(api, { ...deps, hooks: options.hooks });
  if (options.approvals) approvalRoutes(api, { ...deps, approvals: options.approvals });

  api.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'weft API',
      version: '1',
      description: 'Workflows, executions, events and webhooks of a weft server (docs/api.md).',
    },
    servers: [{ url: '/api/v1' }],
  });

  api.notFound((c) =>
    problemResponse({
      type: 'https://weft.dev/problems/http/not-found',
      status: 404,
      title: 'Not found',
      detail: `no route ${c.req.method} ${c.req.path}`,
    }),
  );
  api.onError(onError);

  const app = new OpenAPIHono<ApiEnv>();
  app.route('/api/v1', api);
  app.notFound((c) =>
    problemResponse({
      type: 'https://weft.dev/problems/http/not-found',
      status: 404,
      title: 'Not found',
      detail: `no route ${c.req.method} ${c.req.path}`,
    }),
  );
  app.onError(onError);
  return app;
}
