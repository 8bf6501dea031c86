// The zod schemas of requests and responses. Routes are declared once with them
// (routes/*.ts): the same objects validate requests and produce /api/v1/openapi.json.
import { z } from '@hono/zod-openapi';

export const Problem = z
  .object({
    type: z.string(),
    status: z.number().int(),
    title: z.string().optional(),
    detail: z.string().optional(),
    instance: z.string().optional(),
  })
  .catchall(z.unknown())
  .openapi('Problem');

export const problemContent = { 'application/problem+json': { schema: Problem } };
export const problems = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [c, { description: 'problem', content: problemContent }]));

export const Workflow = z
  .object({
    namespace: z.string(),
    name: z.string(),
    version: z.string(),
    hash: z.string(),
    createdAt: z.number(),
    source: z.string().optional(),
  })
  .openapi('Workflow');

export const WorkflowList = z
  .object({ items: z.array(Workflow), nextCursor: z.string().optional() })
  .openapi('WorkflowList');

export const ExecutionStatus = z
  .object({
    state: z.enum(['running', 'suspended', 'completed', 'faulted', 'cancelled', 'parked']),
    output: z.unknown().optional(),
    error: Problem.optional(),
    reason: z.string().optional(),
    detail: z.string().optional(),
  })
  .openapi('ExecutionStatus');

export const Execution = z
  .object({
    id: z.string(),
    workflow: z.object({
      namespace: z.string(),
      name: z.string(),
      version: z.string(),
      hash: z.string(),
    }),
    input: z.unknown(),
    status: ExecutionStatus,
    idempotencyKey: z.string().optional(),
    parentId: z.string().optional(),
    priority: z.number(),
    nextSeq: z.number().int(),
    createdAt: z.number(),
    updatedAt: z.number(),
    awaitingAdmission: z.literal(true).optional().openapi({
      description:
        'Present while the execution waits for its limits to admit it (docs/operations.md "Limits")',
    }),
  })
  .openapi('Execution');

export const ExecutionList = z
  .object({ items: z.array(Execution), nextCursor: z.string().optional() })
  .openapi('ExecutionList');

export const SequencedEvent = z
  .object({
    seq: z.number().int().min(1),
    executionId: z.string(),
    event: z.object({ type: z.string(), v: z.number(), time: z.number() }).catchall(z.unknown()),
  })
  .openapi('HistoryRecord');

export const History = z.object({ items: z.array(SequencedEvent) }).openapi('History');

export const StartRequest = z
  .object({
    workflow: z.object({
      namespace: z.string().min(1),
      name: z.string().min(1),
      version: z.string().min(1).optional(),
    }),
    input: z.unknown().optional(),
  })
  .openapi('StartRequest');

export const CancelRequest = z.object({ reason: z.string().optional() }).openapi('CancelRequest');

export const CloudEvent = z
  .object({
    specversion: z.literal('1.0'),
    id: z.string().min(1),
    source: z.string().min(1),
    type: z.string().min(1),
    time: z.string().optional(),
    subject: z.string().optional(),
    datacontenttype: z.string().optional(),
    dataschema: z.string().optional(),
    data: z.unknown().optional(),
  })
  .catchall(z.unknown())
  .openapi('CloudEvent');

export const Accepted = z
  .object({ accepted: z.number().int(), ids: z.array(z.string()) })
  .openapi('EventsAccepted');

export const Health = z.object({ status: z.literal('ok'), version: z.string() }).openapi('Health');

export const Hook = z
  .object({
    id: z.string(),
    namespace: z.string(),
    type: z.string(),
    source: z.string(),
    createdAt: z.string(),
    secret: z.string().optional(),
  })
  .openapi('Hook');

export const NewHook = z
  .object({
    namespace: z.string().min(1),
    type: z.string().min(1).openapi({ description: 'CloudEvent type of the events it makes' }),
    source: z.string().min(1).optional(),
  })
  .openapi('NewHook');
