// Webhook triggers: managed by admins of their namespace; deliveries need no API key,
// they are signed (signatures.ts). A verified delivery becomes a CloudEvent and follows
// the events path. Order: find the hook (404), verify the signature (401), dedupe the
// delivery id (409), parse the body strictly by Content-Type (415/400), publish (202).
import { createHash } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { CloudEvent, Json } from '../../history/events.js';
import { type ApiApp, type RouteDeps, rawRoute } from '../context.js';
import { badRequest, conflict, notFound, unauthorized, unsupportedMedia } from '../errors.js';
import { authorize, inNamespace } from '../policy.js';
import { Accepted, Hook, NewHook, problems } from '../schemas.js';
import { verifyGithub, verifyStandard } from '../signatures.js';
import type { HookRecord, HookRegistry } from '../webhooks.js';

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });
const view = (h: HookRecord, secret = false) => ({
  id: h.id,
  namespace: h.namespace,
  type: h.type,
  source: h.source,
  createdAt: h.createdAt,
  ...(secret ? { secret: h.secrets[0]! } : {}),
});

const create = createRoute({
  method: 'post',
  path: '/hooks',
  summary: 'Create a webhook trigger; its secret is shown once',
  request: { body: { required: true, content: json(NewHook) } },
  responses: { 201: { description: 'created', content: json(Hook) }, ...problems(400, 401, 403) },
});

const list = createRoute({
  method: 'get',
  path: '/hooks',
  summary: 'List webhook triggers (without secrets)',
  responses: {
    200: { description: 'hooks', content: json(z.object({ items: z.array(Hook) })) },
    ...problems(401, 403),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/hooks/{id}',
  summary: 'Delete a webhook trigger',
  request: { params: z.object({ id: z.string() }) },
  responses: { 204: { description: 'deleted' }, ...problems(401, 403, 404) },
});

const deliver = createRoute({
  method: 'post',
  path: '/hooks/{id}',
  summary: 'A signed webhook delivery (GitHub or Standard Webhooks signature)',
  request: {
    params: z.object({ id: z.string() }),
    body: { required: true, content: { 'application/json': { schema: z.unknown() } } },
  },
  responses: {
    202: { description: 'accepted as a CloudEvent', content: json(Accepted) },
    ...problems(400, 401, 404, 409, 413, 415),
  },
});

/** The delivery's body as CloudEvent data, parsed strictly by its Content-Type. */
function dataOf(type: string, raw: Buffer): Json {
  if (type === 'application/json' || /^application\/[a-z.+-]+\+json$/.test(type)) {
    try {
      return JSON.parse(raw.toString('utf8')) as Json;
    } catch {
      throw badRequest('the body is not the JSON its Content-Type says');
    }
  }
  if (type === 'application/x-www-form-urlencoded') {
    const payload = new URLSearchParams(raw.toString('utf8')).get('payload');
    if (payload === null) throw badRequest('a form delivery carries its JSON in `payload`');
    try {
      return JSON.parse(payload) as Json;
    } catch {
      throw badRequest('the form field `payload` is not JSON');
    }
  }
  throw unsupportedMedia(`webhook bodies are application/json or form-encoded, not '${type}'`);
}

export function hookRoutes(app: ApiApp, deps: RouteDeps & { hooks: HookRegistry }): void {
  const { port, hooks } = deps;

  app.openapi(create, (c) => {
    const body = c.req.valid('json');
    authorize(c.get('principal'), 'admin', body.namespace);
    return c.json(view(hooks.create(body.namespace, body.type, body.source), true), 201);
  });

  app.openapi(list, (c) => {
    const p = c.get('principal');
    authorize(p, 'admin', p.namespaces === '*' ? '*' : (p.namespaces[0] ?? '*'));
    return c.json(
      {
        items: hooks
          .list()
          .filter((h) => inNamespace(p, h.namespace))
          .map((h) => view(h)),
      },
      200,
    );
  });

  app.openapi(remove, (c) => {
    const h = hooks.get(c.req.valid('param').id);
    if (!h) throw notFound('no such webhook trigger');
    authorize(c.get('principal'), 'admin', h.namespace);
    hooks.remove(h.id);
    return c.body(null, 204);
  });

  rawRoute(app, deliver, async (c) => {
    const hook = hooks.get(c.req.param('id') ?? '');
    if (!hook) throw notFound('no such webhook trigger');
    const raw = Buffer.from(await c.req.arrayBuffer());
    const h = (n: string) => c.req.header(n);
    const github = h('x-hub-signature-256') !== undefined;
    const verdict = github
      ? verifyGithub(raw, h('x-hub-signature-256'), hook.secrets)
      : verifyStandard(
          raw,
          {
            id: h('webhook-id'),
            timestamp: h('webhook-timestamp'),
            signature: h('webhook-signature'),
          },
          hook.secrets,
          Math.floor(Date.now() / 1000),
        );
    if (!verdict.ok) throw unauthorized(`webhook signature refused: ${verdict.reason}`);
    const type = (h('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const data = dataOf(type, raw);
    const delivery =
      (github ? h('x-github-delivery') : h('webhook-id')) ??
      createHash('sha256').update(raw).digest('hex');
    if (!hooks.firstDelivery(hook.id, delivery, Date.now()))
      throw conflict(`delivery ${delivery} was already received`);
    const event: CloudEvent = {
      specversion: '1.0',
      id: delivery,
      source: hook.source,
      type: hook.type,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data,
      ...(github && h('x-github-event') ? { githubevent: h('x-github-event')! } : {}),
    };
    await port.publishEvents([event]);
    return c.json({ accepted: 1, ids: [delivery] }, 202);
  });
}
