// The engine behind the port: the runtime's Engine (src/runtime/engine.ts) runs
// executions in this process; the Store keeps workflows, executions and histories.
// The tap (tap.ts) sits between them: it creates executions in the store (idempotent
// starts) and numbers committed events for the streams.
//
// What the engine does not offer yet and the adapter supplies on the Store:
// - workflows survive a restart: the engine's registry is in memory, so versions are
//   loaded from the store into it on first use (loadVersions);
// - listing every workflow: the Store has no such query, so the list is the catalog of
//   versions registered or loaded since this process started (ask: Store.listWorkflows);
// - time ranges in execution searches: filtered here on createdAt, page by page.
// Not offered at all yet: suspend and resume (501), cancelling an execution another
// process runs (409), durable events (an event no listen waits for is dropped).
import { createHash, randomUUID } from 'node:crypto';
import type { CloudEvent, Json, WorkflowRef } from '../history/events.js';
import { loadWorkflows } from '../dsl/index.js';
import { Engine, type EngineOptions, type ExecutionHandle } from '../runtime/engine.js';
import { WorkflowDefinitionError } from '../runtime/registry.js';
import { canonicalJson } from '../store/canonical.js';
import { ConflictError, IdempotencyConflictError, NotFoundError } from '../store/errors.js';
import type { Store, WorkflowRecord } from '../store/types.js';
import { terminalStates } from '../store/types.js';
import {
  type EnginePort,
  type ExecutionQuery,
  InvalidWorkflowError,
  NotImplementedError,
  type RegisterResult,
  type SequencedEvent,
  type StartRequest,
  type StartResult,
  type StreamFilter,
} from './port.js';
import { HistoryTap } from './tap.js';

export interface AdapterOptions {
  store: Store;
  engine?: Omit<EngineOptions, 'store'>;
  now?: () => number;
}

const key = (r: WorkflowRef) => `${r.namespace}/${r.name}@${r.version}`;

export class EngineAdapter implements EnginePort {
  private readonly store: Store;
  private readonly engine: Engine;
  private readonly tap: HistoryTap;
  private readonly now: () => number;
  private readonly catalog = new Map<string, WorkflowRecord>();
  private readonly loaded = new Set<string>();
  private readonly handles = new Map<string, ExecutionHandle>();
  /** Starts by idempotency key in this process: duplicates wait for the first and get it. */
  private readonly starting = new Map<
    string,
    { fingerprint: string; result: Promise<StartResult> }
  >();

  constructor(options: AdapterOptions) {
    this.store = options.store;
    this.now = options.now ?? (() => Date.now());
    this.tap = new HistoryTap(this.store, this.now);
    this.engine = new Engine({ ...options.engine, store: this.tap });
  }

  async registerWorkflow(source: string, format: 'yaml' | 'json'): Promise<RegisterResult> {
    const filename = format === 'json' ? 'workflow.json' : 'workflow.yaml';
    const { documents, diagnostics } = loadWorkflows(source, { filename, supportedOnly: true });
    if (documents.length === 0) throw new InvalidWorkflowError(diagnostics);
    const records: WorkflowRecord[] = documents.map((d) => {
      const doc = d.value as unknown as Json;
      const { namespace, name, version } = d.value.document;
      return {
        namespace,
        name,
        version,
        hash: createHash('sha256').update(canonicalJson(doc)).digest('hex'),
        source: documents.length === 1 ? source : JSON.stringify(doc),
        createdAt: this.now(),
      };
    });
    for (const r of records) {
      await this.loadVersions(r.namespace, r.name);
      const existing = await this.store.getWorkflow(r);
      if (existing && existing.hash !== r.hash)
        throw new ConflictError(
          `workflow ${key(r)} is already registered with other content; registered versions are immutable, bump document.version`,
        );
    }
    try {
      this.engine.register(source, filename);
    } catch (e) {
      if (!(e instanceof WorkflowDefinitionError)) throw e;
      throw new InvalidWorkflowError(
        e.diagnostics.map((message) => ({ path: '', line: 1, col: 1, message })),
      );
    }
    let created = false;
    const out: WorkflowRecord[] = [];
    for (const r of records) {
      const put = await this.store.putWorkflow(r);
      created ||= put.created;
      this.catalog.set(key(r), put.workflow);
      out.push(put.workflow);
    }
    return { workflows: out, created };
  }

  /** Loads the stored versions of namespace/name into the engine (once per process). */
  private async loadVersions(namespace: string, name: string): Promise<WorkflowRecord[]> {
    const versions = await this.store.listWorkflowVersions(namespace, name);
    for (const w of versions) {
      if (this.loaded.has(key(w))) continue;
      this.loaded.add(key(w));
      this.catalog.set(key(w), w);
      try {
        this.engine.register(w.source, /^\s*\{/.test(w.source) ? 'workflow.json' : 'workflow.yaml');
      } catch {
        // a stored version this engine cannot run (e.g. an unregistered function): starts fail
      }
    }
    return versions;
  }

  getWorkflow(ref: WorkflowRef): Promise<WorkflowRecord | undefined> {
    return this.store.getWorkflow(ref);
  }

  listWorkflows(namespace?: string): Promise<WorkflowRecord[]> {
    const all = [...this.catalog.values()].filter(
      (w) => namespace === undefined || w.namespace === namespace,
    );
    all.sort((a, b) => key(a).localeCompare(key(b)));
    return Promise.resolve(all);
  }

  listVersions(namespace: string, name: string): Promise<WorkflowRecord[]> {
    return this.loadVersions(namespace, name);
  }

  async startExecution(request: StartRequest): Promise<StartResult> {
    const { namespace, name, version } = request.workflow;
    const fits = (w: WorkflowRecord) =>
      w.namespace === namespace &&
      w.name === name &&
      (version === undefined || version === 'latest' || w.version === version);
    // versions known in this process start without a store read (bench/http: a read per
    // start cost about a fifth of the throughput); an unknown one is looked up in the store
    // (another process may have registered it). 'latest' is the latest known here.
    const known = [...this.catalog.values()].some(fits);
    if (!known && !(await this.loadVersions(namespace, name)).some(fits))
      throw new NotFoundError(
        `workflow ${namespace}/${name}${version ? `@${version}` : ''} is not registered`,
      );
    const input = request.input ?? {};
    const idem = request.idempotencyKey;
    if (idem === undefined) return this.start(request, input);
    const fingerprint = canonicalJson({ workflow: request.workflow, input });
    const inflight = this.starting.get(idem);
    if (inflight) {
      const first = await inflight.result;
      if (inflight.fingerprint !== fingerprint)
        throw new IdempotencyConflictError(idem, first.execution.id, 'workflow or input');
      return { execution: first.execution, created: false };
    }
    // kept for the process's life, as the engine keeps its own map of keys; a failed start
    // frees its key. After a restart the store's idempotency check answers instead.
    const result = this.start(request, input);
    this.starting.set(idem, { fingerprint, result });
    result.catch(() => this.starting.delete(idem));
    return result;
  }

  private async start(request: StartRequest, input: Json): Promise<StartResult> {
    const id = randomUUID();
    const created = this.tap.expectStart(id);
    let handle: ExecutionHandle;
    try {
      handle = this.engine.start(request.workflow, input, {
        executionId: id,
        ...(request.idempotencyKey === undefined ? {} : { idempotencyKey: request.idempotencyKey }),
      });
    } catch (e) {
      this.tap.forget(id);
      throw e;
    }
    if (handle.id !== id) {
      // the engine knew the key already (its own in-memory dedupe): the first execution
      this.tap.forget(id);
      const existing = await this.mustGet(handle.id);
      return { execution: existing, created: false };
    }
    const result = await created;
    if (result.created) {
      this.handles.set(id, handle);
      void handle.outcome.then(() => this.handles.delete(id));
    }
    return result;
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

  async cancel(id: string, reason?: string) {
    const e = await this.mustGet(id);
    if (terminalStates.includes(e.status.state))
      throw new ConflictError(`execution ${id} is ${e.status.state}; it cannot be cancelled`);
    const handle = this.handles.get(id);
    if (!handle)
      throw new ConflictError(
        `execution ${id} is not running in this process; it cannot be cancelled here`,
      );
    handle.cancel(reason);
    await handle.outcome;
    // the outcome settles when the last events are appended; the store has them by now
    await this.flush(id);
    return this.mustGet(id);
  }

  /** Waits until the store holds a terminal status for `id` (its last commit is in flight). */
  private async flush(id: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const e = await this.store.getExecution(id);
      if (!e || terminalStates.includes(e.status.state)) return;
      await new Promise((r) => setImmediate(r));
    }
  }

  suspend(id: string): Promise<never> {
    return Promise.reject(new NotImplementedError(`suspending execution ${id}`));
  }

  resume(id: string): Promise<never> {
    return Promise.reject(new NotImplementedError(`resuming execution ${id}`));
  }

  publishEvents(events: CloudEvent[]): Promise<void> {
    for (const e of events) this.engine.publish(e);
    return Promise.resolve();
  }

  subscribe(filter: StreamFilter, listener: (e: SequencedEvent) => void): () => void {
    return this.tap.onCommitted((e) => {
      if (filter.executionId !== undefined && e.executionId !== filter.executionId) return;
      if (filter.namespace !== undefined && e.workflow.namespace !== filter.namespace) return;
      if (filter.workflow !== undefined && e.workflow.name !== filter.workflow) return;
      listener(e);
    });
  }

  /** Waits for this process's executions to end (the server is shutting down). */
  async drain(): Promise<void> {
    await Promise.all([...this.handles.values()].map((h) => h.outcome));
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}

export function createEngineAdapter(options: AdapterOptions): EngineAdapter {
  return new EngineAdapter(options);
}
