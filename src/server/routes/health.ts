import { createRoute } from '@hono/zod-openapi';
import type { ApiApp } from '../context.js';
import { Health } from '../schemas.js';

const health = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Liveness: the server answers (no authentication)',
  responses: { 200: { description: 'alive', content: { 'application/json': { schema: Health } } } },
});

export function healthRoutes(app: ApiApp): void {
  app.openapi(health, (c) => c.json({ status: 'ok' as const, version: '0.1.0' }, 200));
}
