// The port on the durable engine (src/runtime/durable/engine.ts): executions live in the
// Store, survive restarts (recover() at serve start), and can be suspended and resumed.
//
// Streams: publisher.ts publishes committed history events, from this engine's hooks
// and from the store's history feed (executions other processes drive).
import { createHash } from 'node:crypto';
import type { CloudEvent, Json, WorkflowRef } from '../history/events.js';
import { loadWorkflows } from '../dsl/index.js';
import type { DurableEngine } from '../runtime/durable/engine.js';
import { timeOrderedId } from '../runtime/durable/ids.js';
import { ProblemError } from '../runtime/problems.js';
import { WorkflowDefinitionError } from '../runtime/registry.js';
import { canonicalJson } from '../store/canonical.js';
import { ConflictError, IdempotencyConflictError, NotFoundError } from '../store/errors.js';
import type { Store, WorkflowRecord } from '../store/types.js';
import { terminalStates } from '../store/types.js';
import {
  type EnginePort,
  type ExecutionQuery,
  InvalidWorkflowError,
  type RegisterResult,
  type SequencedEvent,
  type StartRequest,
  type StartResult,
  type StreamFilter,
  type WorkflowQuery,
} from './port.js';
import { Publisher } from './publisher.js';

const key = (r: WorkflowRef) => `${r.namespace}/${r.name}@${r.version}`;

export class DurableAdapter implements EnginePort {
  private readonly store: Store;
  private readonly publisher: Publisher;
  private readonly starting = new Map<
    string,
    { fingerprint: string; result: Promise<StartResult> }
  >();

  constructor(private readonly engine: DurableEngine) {
    this.store = engine.store;
    this.publisher = new Publisher(engine, this.store);
  }

  async registerWorkflow(source: string, format: 'yaml' | 'json'): Promise<RegisterResult> {
    const filename = format === 'json' ? 'workflow.json' : 'workflow.yaml';
    const { documents, diagnostics } = loadWorkflows(source, { filename, supportedOnly: true });
    if (documents.length === 0) throw new InvalidWorkflowError(diagnostics);
    let refs: WorkflowRef[];
    const before = await Promise.all(
      documents.map((d) => this.store.getWorkflow(d.value.document)),
    );
    documents.forEach((d, i) => {
      const hash = createHash('sha256')
        .update(canonicalJson(d.value as unknown as Json))
        .digest('hex');
      const b = before[i];
      if (b && b.hash !== hash)
        throw new ConflictError(
          `workflow ${key(b)} is already registered with other content; registered versions are immutable, bump document.version`,
        );
    });
    try {
      refs = await this.engine.register(source, filename);
    } catch (e) {
      if (e instanceof WorkflowDefinitionError)
        throw new InvalidWorkflowError(
          e.diagnostics.map((message) => ({ path: '', line: 1, col: 1, message })),
        );
      throw e;
    }
    const out: WorkflowRecord[] = [];
    for (const ref of refs) {
      const w = await this.store.getWorkflow(ref);
      if (w) out.push(w);
    }
    return { workflows: out, created: before.some((b) => b === undefined) };
  }

  getWorkflow(ref: WorkflowRef) {
    return this.store.getWorkflow(ref);
  }

  // Read from the store (not a process-local catalog) so the list survives a restart.
  // One page when the caller pages (cursor or limit); otherwise every page, for the
  // callers that expect the whole list.
  async listWorkflows(q: WorkflowQuery = {}) {
    const filter = q.namespace === undefined ? {} : { namespace: q.namespace };
    if (q.cursor !== undefined || q.limit !== undefined)
      return this.store.listWorkflows({
        ...filter,
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
        ...(q.limit === undefined ? {} : { limit: q.limit }),
      });
    const items: WorkflowRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.listWorkflows({
        ...filter,
        limit: 1000,
        ...(cursor === undefined ? {} : { cursor }),
      });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return { items };
  }

  listVersions(namespace: string, name: string) {
    return this.store.listWorkflowVersions(namespace, name);
  }

  async startExecution(request: StartRequest): Promise<StartResult> {
    const input = request.input ?? {};
    const idem = request.idempotencyKey;
    if (idem === undefined) return this.start(request, input);
    // concurrent duplicates in this process wait for the first; the store answers the rest
    const fingerprint = canonicalJson({ workflow: request.workflow, input });
    const inflight = this.starting.get(idem);
    if (inflight) {
      const first = await inflight.result;
      if (inflight.fingerprint !== fingerprint)
        throw new IdempotencyConflictError(idem, first.execution.id, 'workflow or input');
      return { execution: first.execution, created: false };
    }
    const result = this.start(request, input);
    this.starting.set(idem, { fingerprint, result });
    const forget = () => this.starting.delete(idem);
    result.then(forget, forget);
    return result;
  }

  private async start(request: StartRequest, input: Json): Promise<StartResult> {
    const id = timeOrderedId(); // UUIDv7: the store's B-trees append (ids.ts)
    this.publisher.starting(id);
    try {
      const handle = await this.engine.start(request.workflow, input, {
        executionId: id,
        ...(request.idempotencyKey === undefined ? {} : { idempotencyKey: request.idempotencyKey }),
      });
      // as created (running); a repeated key's record as its create read it
      return { execution: handle.record, created: handle.created };
    } catch (e) {
      if (e instanceof ProblemError && e.problem.title === 'Unknown workflow')
        throw new NotFoundError(e.problem.detail ?? 'workflow is not registered');
      if (e instanceof ProblemError && e.problem.title === 'Idempotency key reused')
        throw new IdempotencyConflictError(
          request.idempotencyKey ?? '',
          String(e.problem.executionId ?? ''),
          'workflow or input',
        );
      throw e;
    } finally {
      this.publisher.started(id);
    }
  }

  getExecution(id: string) {
    return this.store.getExecution(id);
  }

  private async mustGet(id: string) {
    const e = await this.store.getExecution(id);
    if (!e) throw new NotFoundError(`execution ${id} does not exist`);
    return e;
  }

  async listExecutions(q: ExecutionQuery) {
    const workflow: Partial<WorkflowRef> = {};
    if (q.namespace !== undefined) workflow.namespace = q.namespace;
    if (q.name !== undefined) workflow.name = q.name;
    if (q.version !== undefined) workflow.version = q.version;
    const page = await this.store.listExecutions({
      workflow,
      ...(q.states ? { states: q.states } : {}),
      ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
    });
    const items = page.items.filter(
      (e) =>
        (q.since === undefined || e.createdAt >= q.since) &&
        (q.until === undefined || e.createdAt <= q.until),
    );
    return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor };
  }

  async history(id: string, after = 0, limit?: number): Promise<SequencedEvent[]> {
    const e = await this.mustGet(id);
    const { namespace, name, version } = e.workflow;
    const records = await this.store.loadHistory(id, {
      after,
      ...(limit === undefined ? {} : { limit }),
    });
    return records.map((r) => ({
      seq: r.seq,
      executionId: id,
      workflow: { namespace, name, version },
      event: r.event,
    }));
  }

  private async act(
    id: string,
    verb: string,
    ok: (state: string) => boolean,
    run: (state: string) => Promise<void>,
  ) {
    const e = await this.mustGet(id);
    if (!ok(e.status.state))
      throw new ConflictError(`execution ${id} is ${e.status.state}; it cannot be ${verb}`);
    await run(e.status.state);
    return this.mustGet(id);
  }

  async cancel(id: string, reason?: string) {
    const after = await this.act(
      id,
      'cancelled',
      (s) => !terminalStates.includes(s as never),
      () => this.engine.cancel(id, reason),
    );
    // cancel resolves once requested; wait (bounded) for the cancellation to be recorded
    const handle = await this.engine.handle(id);
    if (handle) await Promise.race([handle.outcome, new Promise((r) => setTimeout(r, 5000))]);
    return (await this.store.getExecution(id)) ?? after;
  }

  /** 409 for an execution that ended: terminate ends running, suspended or parked ones. */
  terminate(id: string, reason?: string) {
    return this.act(
      id,
      'terminated',
      (s) => !terminalStates.includes(s as never),
      async () => {
        await this.engine.terminate(id, reason);
      },
    );
  }

  suspend(id: string) {
    return this.act(
      id,
      'suspended',
      (s) => s === 'running',
      () => this.engine.suspend(id),
    );
  }

  /** A suspended execution goes on; a parked one runs again from its history (unpark). */
  resume(id: string) {
    return this.act(
      id,
      'resumed',
      (s) => s === 'suspended' || s === 'parked',
      (s) => (s === 'parked' ? this.engine.unpark(id) : this.engine.resume(id)),
    );
  }

  /** Stored (durable) before this resolves, and delivered to this process's listens. */
  async publishEvents(events: CloudEvent[]): Promise<void> {
    await this.engine.publish(events);
  }

  onEvent(listener: (event: CloudEvent) => void): () => void {
    return this.engine.on('event:arrived', ({ event }) => listener(event));
  }

  subscribe(filter: StreamFilter, listener: (e: SequencedEvent) => void): () => void {
    return this.publisher.subscribe(filter, listener);
  }

  async close(): Promise<void> {
    this.publisher.close();
    await this.engine.close();
  }
}
