// Workflows: register (YAML or JSON by Content-Type), list, get, list versions.
import { createRoute, z } from '@hono/zod-openapi';
import { type ApiApp, type RouteDeps, rawRoute } from '../context.js';
import { parseDocuments } from '../../dsl/index.js';
import { notFound, unsupportedMedia } from '../errors.js';
import { authorize, inNamespace } from '../policy.js';
import { Workflow, WorkflowList, problems } from '../schemas.js';
import type { WorkflowRecord } from '../port.js';

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });
const view = (w: WorkflowRecord, withSource = false) => ({
  namespace: w.namespace,
  name: w.name,
  version: w.version,
  hash: w.hash,
  createdAt: w.createdAt,
  ...(withSource ? { source: w.source } : {}),
});

const register = createRoute({
  method: 'post',
  path: '/workflows',
  summary: 'Register workflow documents (YAML or JSON, several YAML documents allowed)',
  request: {
    body: {
      required: true,
      content: {
        'application/yaml': { schema: z.string() },
        'application/x-yaml': { schema: z.string() },
        'text/yaml': { schema: z.string() },
        'application/json': { schema: z.object({}).catchall(z.unknown()) },
      },
    },
  },
  responses: {
    201: { description: 'registered', content: json(WorkflowList) },
    200: { description: 'already registered with the same content', content: json(WorkflowList) },
    ...problems(400, 401, 403, 409, 413, 415, 422),
  },
});

const list = createRoute({
  method: 'get',
  path: '/workflows',
  summary:
    'List registered workflow versions (those the key may read) by namespace, name, then registration order; cursor-paginated when limit or cursor is given',
  request: {
    query: z.object({
      namespace: z.string().optional(),
      cursor: z.string().optional(),
      limit: z.coerce.number().int().min(1).max(1000).optional(),
    }),
  },
  responses: {
    200: { description: 'workflows', content: json(WorkflowList) },
    ...problems(400, 401, 403),
  },
});

const versions = createRoute({
  method: 'get',
  path: '/workflows/{namespace}/{name}',
  summary: 'Every registered version of a workflow, oldest first',
  request: { params: z.object({ namespace: z.string(), name: z.string() }) },
  responses: {
    200: { description: 'versions', content: json(WorkflowList) },
    ...problems(401, 403, 404),
  },
});

const get = createRoute({
  method: 'get',
  path: '/workflows/{namespace}/{name}/{version}',
  summary: 'One workflow version, with its source',
  request: { params: z.object({ namespace: z.string(), name: z.string(), version: z.string() }) },
  responses: {
    200: { description: 'the workflow', content: json(Workflow) },
    ...problems(401, 403, 404),
  },
});

const yamlTypes = new Set(['application/yaml', 'application/x-yaml', 'text/yaml']);

export function workflowRoutes(app: ApiApp, { port }: RouteDeps): void {
  rawRoute(app, register, async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json' && !yamlTypes.has(type))
      throw unsupportedMedia(
        `a workflow is sent as application/json or application/yaml, not '${type}'`,
      );
    const text = await c.req.text();
    // the namespaces nested in the documents are checked before anything is registered
    const p = c.get('principal');
    const filename = type === 'application/json' ? 'workflow.json' : 'workflow.yaml';
    authorize(p, 'admin', p.namespaces === '*' ? '*' : namespacesOf(text, filename, p.namespaces));
    const result = await port.registerWorkflow(text, type === 'application/json' ? 'json' : 'yaml');
    return c.json({ items: result.workflows.map((w) => view(w)) }, result.created ? 201 : 200);
  });

  app.openapi(list, async (c) => {
    const { namespace, cursor, limit } = c.req.valid('query');
    const p = c.get('principal');
    if (namespace !== undefined) authorize(p, 'reader', namespace);
    const page = await port.listWorkflows({
      ...(namespace === undefined ? {} : { namespace }),
      ...(cursor === undefined ? {} : { cursor }),
      ...(limit === undefined ? {} : { limit }),
    });
    // a key limited to some namespaces sees only theirs (a page may then be shorter)
    const items = page.items.filter((w) => inNamespace(p, w.namespace)).map((w) => view(w));
    return c.json(page.nextCursor ? { items, nextCursor: page.nextCursor } : { items }, 200);
  });

  app.openapi(versions, async (c) => {
    const { namespace, name } = c.req.valid('param');
    authorize(c.get('principal'), 'reader', namespace);
    const items = await port.listVersions(namespace, name);
    if (items.length === 0) throw notFound(`workflow ${namespace}/${name} is not registered`);
    return c.json({ items: items.map((w) => view(w)) }, 200);
  });

  app.openapi(get, async (c) => {
    const ref = c.req.valid('param');
    authorize(c.get('principal'), 'reader', ref.namespace);
    const w = await port.getWorkflow(ref);
    if (!w)
      throw notFound(`workflow ${ref.namespace}/${ref.name}@${ref.version} is not registered`);
    return c.json(view(w, true), 200);
  });
}

/**
 * The namespaces nested in the body (each document's `document.namespace`), read before
 * validation so that a key limited to some namespaces cannot register into others.
 * Returns the first one the key lacks (the 403 names it), else one it has; a body with
 * no readable namespace goes on to validation, which reports it (422).
 */
function namespacesOf(text: string, filename: string, allowed: string[]): string {
  const found: string[] = [];
  for (const d of parseDocuments(text, { filename }).documents) {
    const ns = (d.value as { document?: { namespace?: unknown } } | null)?.document?.namespace;
    if (typeof ns === 'string') found.push(ns);
  }
  return found.find((n) => !allowed.includes(n)) ?? found[0] ?? allowed[0] ?? '*';
}
