// Human tasks: a `listen` task whose metadata holds `weft.human` waits for a person.
//
//   - approve:
//       listen:
//         to: { one: { with: { type: com.example.approval } } }
//       metadata:
//         weft:
//           human:
//             title: Approve the refund
//             form: { type: object, required: [ok], properties: { ok: { type: boolean } } }
//             roles: [operator, admin]     # who may answer (default: operator and admin)
//
// When its ListenStarted is committed the task appears in the inbox (GET /approvals).
// An answer (POST /approvals/{id} {answer}) is validated against `form` (JSON Schema
// 2020-12; 422 with field errors), recorded with who answered, and becomes a CloudEvent
// with the listen's `with` attributes, id `approval/<id>` and data {answer, answeredBy}:
// the listen consumes it and the execution goes on. An approval answered already, or
// whose listen ended (the execution ended, was cancelled, or another event completed
// it) answers 409. The inbox is rebuilt from the store's unfinished executions when the
// server starts (rebuild()).
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { CloudEvent, HistoryEvent, Json, WorkflowRef } from '../history/events.js';
import { parseDocuments } from '../dsl/index.js';
import type { Store } from '../store/types.js';
import { badRequest, conflict, HttpProblem, notFound } from './errors.js';
import type { Principal, Role } from './keys.js';
import type { EnginePort, SequencedEvent } from './port.js';

export interface Approval {
  id: string;
  executionId: string;
  workflow: WorkflowRef;
  taskId: string;
  title: string;
  form: Json;
  roles: Role[];
  state: 'open' | 'answered' | 'closed';
  answeredBy?: string;
  answer?: Json;
  /** The listen's filter attributes the answer event carries. */
  attributes: Record<string, Json>;
}

interface Human {
  title?: string;
  form?: Json;
  roles?: Role[];
}

/** Resolves a JSON pointer (the task id) in a document. */
function at(doc: unknown, pointer: string): unknown {
  let v = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const t = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[t];
  }
  return v;
}

function attributesOf(request: Json): Record<string, Json> {
  const r = request as {
    one?: { with?: Record<string, Json> };
    any?: { with?: Record<string, Json> }[];
    all?: { with?: Record<string, Json> }[];
  };
  return r.one?.with ?? r.any?.[0]?.with ?? r.all?.[0]?.with ?? {};
}

export class ApprovalInbox {
  private readonly items = new Map<string, Approval>();
  private readonly documents = new Map<string, Promise<unknown>>();
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false });
  private readonly validators = new Map<string, ValidateFunction>();
  /** Per execution, so an approval is added before a later event of its execution closes it. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly off: () => void;

  constructor(
    private readonly port: EnginePort,
    private readonly store: Store,
  ) {
    this.off = port.subscribe({}, (e) => this.enqueue(e));
  }

  private enqueue(e: SequencedEvent): void {
    const prev = this.chains.get(e.executionId) ?? Promise.resolve();
    const next = prev.then(() => this.apply(e)).catch(() => undefined);
    this.chains.set(e.executionId, next);
  }

  /** Rebuilds the open approvals of unfinished executions (after a restart). */
  async rebuild(): Promise<void> {
    let after: string | undefined;
    for (;;) {
      const page = await this.store.unfinished({ ...(after ? { after } : {}), limit: 500 });
      for (const x of page) {
        const { namespace, name, version } = x.workflow;
        for (const r of await this.store.loadHistory(x.id))
          await this.apply({
            seq: r.seq,
            executionId: x.id,
            workflow: { namespace, name, version },
            event: r.event,
          });
      }
      if (page.length < 500) return;
      after = page.at(-1)!.id;
    }
  }

  private document(ref: WorkflowRef): Promise<unknown> {
    const k = `${ref.namespace}/${ref.name}@${ref.version}`;
    let d = this.documents.get(k);
    if (!d) {
      d = this.store
        .getWorkflow(ref)
        .then((w) => (w ? parseDocuments(w.source).documents[0]?.value : undefined));
      this.documents.set(k, d);
    }
    return d;
  }

  private async apply(e: SequencedEvent): Promise<void> {
    const ev: HistoryEvent = e.event;
    if (ev.type === 'ListenStarted') {
      const task = at(await this.document(e.workflow), ev.taskId) as
        { metadata?: { weft?: { human?: Human } } } | undefined;
      const human = task?.metadata?.weft?.human;
      if (!human) return;
      const id = `${e.executionId}.${ev.effectId}`;
      this.items.set(id, {
        id,
        executionId: e.executionId,
        workflow: e.workflow,
        taskId: ev.taskId,
        title: human.title ?? ev.taskId,
        form: human.form ?? {},
        roles: human.roles ?? ['operator', 'admin'],
        state: 'open',
        attributes: attributesOf(ev.request),
      });
    } else if (ev.type === 'ListenCompleted' || ev.type === 'EffectCancelled') {
      const a = this.items.get(`${e.executionId}.${ev.effectId}`);
      if (a?.state === 'open') a.state = 'closed';
    } else if (
      ev.type === 'ExecutionCompleted' ||
      ev.type === 'ExecutionFaulted' ||
      ev.type === 'ExecutionCancelled'
    ) {
      for (const a of this.items.values())
        if (a.executionId === e.executionId && a.state === 'open') a.state = 'closed';
      this.chains.delete(e.executionId);
    }
  }

  open(): Approval[] {
    return [...this.items.values()].filter((a) => a.state === 'open');
  }

  get(id: string): Approval {
    const a = this.items.get(id);
    if (!a) throw notFound(`approval ${id} does not exist`);
    return a;
  }

  /** Validates and records an answer, then sends the event the listen waits for. */
  async answer(a: Approval, principal: Principal, answer: unknown): Promise<Approval> {
    if (!a.roles.includes(principal.role))
      throw new HttpProblem(
        403,
        'forbidden',
        'Forbidden',
        `approval ${a.id} may be answered by ${a.roles.join(', ')}, not ${principal.role}`,
      );
    if (a.state !== 'open')
      throw conflict(
        `approval ${a.id} is ${a.state === 'answered' ? `answered already by ${a.answeredBy}` : 'closed: its listen or execution ended'}`,
      );
    let validate = this.validators.get(a.id);
    if (!validate) this.validators.set(a.id, (validate = this.ajv.compile(a.form as object)));
    if (!validate(answer)) {
      const errors = (validate.errors ?? []).map((x) => ({
        path: x.instancePath || '/',
        message: x.message ?? 'invalid',
      }));
      throw new HttpProblem(
        422,
        'invalid-answer',
        'Invalid answer',
        `the answer does not match the form of ${a.id}: ` +
          errors.map((x) => `${x.path}: ${x.message}`).join('; '),
        { errors },
      );
    }
    if (answer === undefined) throw badRequest('the body is {answer}');
    a.state = 'answered';
    a.answeredBy = principal.keyId ?? 'local';
    a.answer = answer as Json;
    const event: CloudEvent = {
      specversion: '1.0',
      source: '/api/v1/approvals',
      ...(a.attributes as Record<string, Json>),
      id: `approval/${a.id}`,
      type:
        typeof a.attributes.type === 'string' ? a.attributes.type : 'io.weft.approval.answered.v1',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: { answer: a.answer, answeredBy: a.answeredBy, approval: a.id },
    };
    await this.port.publishEvents([event]);
    return a;
  }

  close(): void {
    this.off();
  }
}
