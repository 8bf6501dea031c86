// Human tasks (approvals.ts): the inbox and answers.
import { createRoute, z } from '@hono/zod-openapi';
import type { ApiApp, RouteDeps } from '../context.js';
import type { Approval, ApprovalInbox } from '../approvals.js';
import { authorize, inNamespace } from '../policy.js';
import { problems } from '../schemas.js';

const ApprovalSchema = z
  .object({
    id: z.string(),
    executionId: z.string(),
    workflow: z.object({ namespace: z.string(), name: z.string(), version: z.string() }),
    taskId: z.string(),
    title: z.string(),
    form: z.unknown(),
    roles: z.array(z.enum(['reader', 'operator', 'admin'])),
    state: z.enum(['open', 'answered', 'closed']),
    answeredBy: z.string().optional(),
    answer: z.unknown().optional(),
  })
  .openapi('Approval');

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });
const view = ({ attributes: _attributes, ...a }: Approval) => a as z.infer<typeof ApprovalSchema>;

const inbox = createRoute({
  method: 'get',
  path: '/approvals',
  summary: 'Open human tasks (those of the key namespaces)',
  request: { query: z.object({ namespace: z.string().optional() }) },
  responses: {
    200: {
      description: 'open approvals',
      content: json(z.object({ items: z.array(ApprovalSchema) })),
    },
    ...problems(401, 403),
  },
});

const answer = createRoute({
  method: 'post',
  path: '/approvals/{id}',
  summary: 'Answer a human task; the answer is validated against its form',
  request: {
    params: z.object({ id: z.string() }),
    body: { required: true, content: json(z.object({ answer: z.unknown() })) },
  },
  responses: {
    202: { description: 'answered; the execution goes on', content: json(ApprovalSchema) },
    ...problems(400, 401, 403, 404, 409, 422),
  },
});

export function approvalRoutes(app: ApiApp, deps: RouteDeps & { approvals: ApprovalInbox }): void {
  const { approvals } = deps;
  app.openapi(inbox, (c) => {
    const p = c.get('principal');
    const { namespace } = c.req.valid('query');
    if (namespace !== undefined) authorize(p, 'reader', namespace);
    const items = approvals
      .open()
      .filter((a) => inNamespace(p, a.workflow.namespace))
      .filter((a) => namespace === undefined || a.workflow.namespace === namespace);
    return c.json({ items: items.map(view) }, 200);
  });

  app.openapi(answer, async (c) => {
    const a = approvals.get(c.req.valid('param').id);
    const p = c.get('principal');
    authorize(p, 'operator', a.workflow.namespace);
    const done = await approvals.answer(a, p, c.req.valid('json').answer);
    return c.json(view(done), 202);
  });
}
