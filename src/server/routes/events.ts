// POST /events: CloudEvents in (structured, binary, batched); they go to the listen
// tasks waiting for them. Events are not namespaced (a listen in any namespace may
// match), so sending one needs the operator role over every namespace (docs/api.md).
import { createRoute, z } from '@hono/zod-openapi';
import { parseCloudEvents } from '../cloudevents.js';
import { type ApiApp, type RouteDeps, rawRoute } from '../context.js';
import { authorize } from '../policy.js';
import { Accepted, CloudEvent, problems } from '../schemas.js';

const send = createRoute({
  method: 'post',
  path: '/events',
  summary: 'Send CloudEvents: structured, binary (ce-* headers) or batched',
  request: {
    body: {
      required: true,
      content: {
        'application/cloudevents+json': { schema: CloudEvent },
        'application/cloudevents-batch+json': { schema: z.array(CloudEvent) },
        'application/json': { schema: CloudEvent },
      },
    },
  },
  responses: {
    202: { description: 'accepted', content: { 'application/json': { schema: Accepted } } },
    ...problems(400, 401, 403, 413, 415),
  },
});

export function eventRoutes(app: ApiApp, { port }: RouteDeps): void {
  rawRoute(app, send, async (c) => {
    authorize(c.get('principal'), 'operator', '*');
    const events = parseCloudEvents(c.req.raw.headers, await c.req.text());
    await port.publishEvents(events);
    return c.json({ accepted: events.length, ids: events.map((e) => e.id) }, 202);
  });
}
