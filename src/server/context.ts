// What every route gets: the engine port and the caller (set by the auth middleware).
import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Principal } from './keys.js';
import type { EnginePort } from './port.js';

export interface ApiEnv {
  Variables: { principal: Principal };
}

export type ApiApp = OpenAPIHono<ApiEnv>;

export interface RouteDeps {
  port: EnginePort;
}

/**
 * Declares a route whose body the handler parses itself (raw text: YAML workflows,
 * CloudEvents in three modes, signed webhook bytes): the route object still goes into
 * the OpenAPI document, but no JSON validator consumes or rewrites the body first.
 */
export function rawRoute(
  app: ApiApp,
  route: RouteConfig,
  handler: (c: Context<ApiEnv>) => Promise<Response> | Response,
): void {
  app.openAPIRegistry.registerPath(route);
  const path = route.path.replace(/\{([^}]+)\}/g, ':$1');
  app.on(route.method.toUpperCase(), path, handler);
}
