// Executions: start (Idempotency-Key), get, list/search, history, cancel, terminate,
// suspend, resume.
import { createRoute, z } from '@hono/zod-openapi';
import type { ApiApp, RouteDeps } from '../context.js';
import { badRequest, notFound } from '../errors.js';
import type { Principal } from '../keys.js';
import { authorize, inNamespace } from '../policy.js';
import type { EnginePort, ExecutionRecord, ExecutionState, Json } from '../port.js';
import {
  CancelRequest,
  Execution,
  ExecutionList,
  History,
  StartRequest,
  problems,
} from '../schemas.js';

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });
const idParam = z.object({ id: z.string().min(1) });
const states = ['running', 'suspended', 'completed', 'faulted', 'cancelled', 'parked'] as const;

const start = createRoute({
  method: 'post',
  path: '/executions',
  summary: 'Start an execution; a repeated Idempotency-Key returns the same execution (200)',
  request: {
    headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }),
    body: { required: true, content: json(StartRequest) },
  },
  responses: {
    201: { description: 'started', content: json(Execution) },
    200: { description: 'started before with this Idempotency-Key', content: json(Execution) },
    ...problems(400, 401, 403, 404, 413, 415, 422),
  },
});

const list = createRoute({
  method: 'get',
  path: '/executions',
  summary: 'List and search executions (newest first), cursor-paginated',
  request: {
    query: z.object({
      namespace: z.string().optional(),
      workflow: z.string().optional().openapi({ description: 'workflow name' }),
      version: z.string().optional(),
      status: z.string().optional().openapi({ description: 'comma-separated states' }),
      since: z.iso.datetime().optional(),
      until: z.iso.datetime().optional(),
      cursor: z.string().optional(),
      limit: z.coerce.number().int().min(1).max(1000).optional(),
    }),
  },
  responses: {
    200: { description: 'a page', content: json(ExecutionList) },
    ...problems(400, 401, 403),
  },
});

const get = createRoute({
  method: 'get',
  path: '/executions/{id}',
  summary: 'One execution: status, output or error (RFC 7807)',
  request: { params: idParam },
  responses: {
    200: { description: 'the execution', content: json(Execution) },
    ...problems(401, 403, 404),
  },
});

const history = createRoute({
  method: 'get',
  path: '/executions/{id}/history',
  summary: 'History events with seq > after, in order',
  request: {
    params: idParam,
    query: z.object({
      after: z.coerce.number().int().min(0).optional(),
      limit: z.coerce.number().int().min(1).max(10000).optional(),
    }),
  },
  responses: {
    200: { description: 'events', content: json(History) },
    ...problems(400, 401, 403, 404),
  },
});

const action = (verb: 'cancel' | 'terminate' | 'suspend' | 'resume', summary: string) =>
  createRoute({
    method: 'post',
    path: `/executions/{id}/${verb}`,
    summary,
    request: {
      params: idParam,
      ...(verb === 'cancel' || verb === 'terminate'
        ? { body: { required: false, content: json(CancelRequest) } }
        : {}),
    },
    responses: {
      200: { description: 'the execution after the action', content: json(Execution) },
      // cancel and terminate read a body: {reason?}
      ...(verb === 'cancel' || verb === 'terminate'
        ? problems(400, 401, 403, 404, 409, 501)
        : problems(401, 403, 404, 409, 501)),
    },
  });

/** The record as the response schema types it (same shape; Json vs unknown typing only). */
const view = (e: ExecutionRecord) => e as unknown as z.infer<typeof Execution>;

/** The execution, after checking the caller may act on its namespace with `role`. */
async function guarded(port: EnginePort, p: Principal, id: string, role: 'reader' | 'operator') {
  const e = await port.getExecution(id);
  if (!e) throw notFound(`execution ${id} does not exist`);
  authorize(p, role, e.workflow.namespace);
  return e;
}

export function executionRoutes(app: ApiApp, { port }: RouteDeps): void {
  app.openapi(start, async (c) => {
    const body = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'];
    // the namespace nested in the body decides
    authorize(c.get('principal'), 'operator', body.workflow.namespace);
    const { namespace, name, version } = body.workflow;
    const r = await port.startExecution({
      workflow: { namespace, name, ...(version === undefined ? {} : { version }) },
      ...(body.input === undefined ? {} : { input: body.input as Json }),
      ...(key === undefined ? {} : { idempotencyKey: key }),
    });
    c.header('location', `/api/v1/executions/${r.execution.id}`);
    return c.json(view(r.execution), r.created ? 201 : 200);
  });

  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const p = c.get('principal');
    if (q.namespace !== undefined) authorize(p, 'reader', q.namespace);
    else authorize(p, 'reader', p.namespaces === '*' ? '*' : (p.namespaces[0] ?? '*'));
    const wanted = q.status?.split(',').map((s) => s.trim());
    const bad = wanted?.find((s) => !(states as readonly string[]).includes(s));
    if (bad !== undefined) throw badRequest(`status '${bad}' is not one of ${states.join(', ')}`);
    const page = await port.listExecutions({
      ...(q.namespace === undefined ? {} : { namespace: q.namespace }),
      ...(q.workflow === undefined ? {} : { name: q.workflow }),
      ...(q.version === undefined ? {} : { version: q.version }),
      ...(wanted ? { states: wanted as ExecutionState[] } : {}),
      ...(q.since === undefined ? {} : { since: Date.parse(q.since) }),
      ...(q.until === undefined ? {} : { until: Date.parse(q.until) }),
      ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      ...(q.limit === undefined ? {} : { limit: q.limit }),
    });
    // a key limited to some namespaces sees only theirs
    const items = page.items.filter((e) => inNamespace(p, e.workflow.namespace)).map(view);
    return c.json(page.nextCursor ? { items, nextCursor: page.nextCursor } : { items }, 200);
  });

  app.openapi(get, async (c) => {
    const e = await guarded(port, c.get('principal'), c.req.valid('param').id, 'reader');
    return c.json(view(e), 200);
  });

  app.openapi(history, async (c) => {
    const { id } = c.req.valid('param');
    const { after, limit } = c.req.valid('query');
    await guarded(port, c.get('principal'), id, 'reader');
    const items = await port.history(id, after ?? 0, limit);
    return c.json(
      { items: items.map(({ seq, executionId, event }) => ({ seq, executionId, event })) },
      200,
    );
  });

  for (const verb of ['cancel', 'terminate'] as const) {
    const summary =
      verb === 'cancel'
        ? 'Cancel a running execution (its finally blocks run)'
        : 'End an execution at once, without its finally blocks';
    app.openapi(action(verb, summary), async (c) => {
      const { id } = c.req.valid('param');
      await guarded(port, c.get('principal'), id, 'operator');
      const text = await c.req.text();
      let reason: string | undefined;
      if (text.trim() !== '') {
        const parsed = CancelRequest.safeParse(JSON.parse(text));
        if (!parsed.success) throw badRequest('the body is {reason?: string}');
        reason = parsed.data.reason;
      }
      return c.json(view(await port[verb](id, reason)), 200);
    });
  }

  app.openapi(action('suspend', 'Suspend a running execution'), async (c) => {
    const { id } = c.req.valid('param');
    await guarded(port, c.get('principal'), id, 'operator');
    return c.json(view(await port.suspend(id)), 200);
  });

  app.openapi(
    action('resume', 'Resume a suspended execution, or run a parked one again'),
    async (c) => {
      const { id } = c.req.valid('param');
      await guarded(port, c.get('principal'), id, 'operator');
      return c.json(view(await port.resume(id)), 200);
    },
  );
}
