// DurableEngine: the engine on a Store (docs/embedding.md). Every step of an execution is
// one store.commit made BEFORE the effects it schedules are performed, so a recorded
// effect is never run again; an effect in flight at a crash runs again with the same
// idempotency key. The live state of each execution is kept in memory (an
// ExecutionRunner); the history is replayed only on recovery (recover(), or attach() of an
// execution this process does not hold yet).
//
//   start ──createExecution (ExecutionStarted)──> attach ──resume([started])──> steps
//   recover ──unfinished()──> noteRecoveryAttempt ──loadHistory──> resume(history)
//                                    │ > maxRecoveryAttempts        │ DeterminismError
//                                    └──> parked dead-letter        └──> parked determinism
//
// One process drives an execution at a time: the SQLite store serves one process (the
// commits' expectedNextSeq stops a second writer, which then drops the execution).
import { randomUUID } from 'node:crypto';
import type { CloudEvent, HistoryEvent, Json, WorkflowRef } from '../../history/events.js';
import { defaultJq } from '../../dsl/compile-jq.js';
import { SequenceMismatchError, StoreBusyError } from '../../store/errors.js';
import type {
  ExecutionFilter,
  ExecutionPage,
  ExecutionRecord,
  HistoryRecord,
  Store,
  StoredEvent,
} from '../../store/types.js';
import { EventBus } from '../bus.js';
import { StoreEffectCache } from '../cache.js';
import { type Clock, systemClock } from '../clock.js';
import { InputValidationError } from '../errors.js';
import { FunctionRegistry, type WeftFunction } from '../functions.js';
import { type EngineEventName, type EngineEvents, Hooks } from '../hooks.js';
import { type HostMap, resolveHostMap } from '../hostmap.js';
import { DocumentLoader } from '../openapi/index.js';
import { type RegisteredWorkflow, WorkflowRegistry } from '../registry.js';
import { ExecutionRunner, type RunnerDeps } from '../runner.js';
import { createSchemaValidator } from '../schema.js';
import { secretsFor, secretsFromEnv } from '../secrets.js';
import type { StartTarget } from '../engine.js';
import { admissionOf, checkNamespaceLimits } from './admission.js';
import { EventFeed, defaultEventPollMs, defaultEventRetentionMs } from './events.js';
import { failure, lost, startError } from './failures.js';
import { DurableHandle } from './handle.js';
import { Attacher, type Live } from './attach.js';
import { timeOrderedId } from './ids.js';
import { StoreLanes } from './lanes.js';
import { Claims } from './claims.js';
import { WorkLoop } from './work-loop.js';
import { type DurableEngineOptions, type DurableLimits, defaultDurableLimits } from './options.js';

export interface DurableStartOptions {
  executionId?: string;
  /** The same key again returns the first execution (409 problem with other input). */
  idempotencyKey?: string;
  /** Higher is claimed first by workers. Default: the workflow's `limits.priority`, else 0. */
  priority?: number;
}

export class DurableEngine {
  readonly store: Store;
  readonly limits: DurableLimits;
  private readonly functions = new FunctionRegistry();
  private readonly registry = new WorkflowRegistry(this.functions);
  private readonly hooks = new Hooks();
  private readonly bus = new EventBus();
  private readonly cache: StoreEffectCache;
  private readonly runnerDeps = new WeakMap<RegisteredWorkflow, RunnerDeps>();
  private readonly clock: Clock;
  private readonly hostMap: HostMap;
  private readonly knownSecrets: Record<string, Json>;
  private readonly loader: DocumentLoader;
  private readonly validateSchema = createSchemaValidator();
  private readonly idempotencyHeader?: string;
  private readonly lanes: StoreLanes;
  private readonly attacher: Attacher;
  private readonly namespaceLimits: Readonly<Record<string, number>>;
  private readonly events: EventFeed;
  /** The run items (executions) this process holds (claims.ts). */
  readonly claims: Claims;
  private readonly loop: WorkLoop;
  private readonly loadingWorkflows = new Map<string, Promise<RegisteredWorkflow>>();
  /** Calls in flight in this process (the drain of close() waits for them). */
  private callsInFlight = 0;
  private readonly calling = {
    begin: () => void this.callsInFlight++,
    end: () => void this.callsInFlight--,
  };
  /** While close() drains: steps are recorded, nothing new is launched (RunnerDeps.holding). */
  private draining = false;
  /** When the drain gives up (ms, Date.now()); a second close() ends it now. */
  private drainUntil = 0;
  private closing: Promise<void> | undefined;

  constructor(options: DurableEngineOptions) {
    const env = options.env ?? process.env;
    this.store = options.store;
    this.cache = new StoreEffectCache(this.store);
    this.namespaceLimits = checkNamespaceLimits(options.namespaceLimits);
    this.limits = { ...defaultDurableLimits, ...options.limits };
    this.clock = options.clock ?? systemClock;
    this.hostMap = resolveHostMap(options.hostMap, env.WEFT_HOST_MAP);
    this.knownSecrets = { ...secretsFromEnv(env), ...options.secrets };
    this.loader = new DocumentLoader(this.hostMap, options.baseDir);
    const h = options.idempotencyHeader;
    if (h) this.idempotencyHeader = h === true ? 'Idempotency-Key' : h;
    this.events = new EventFeed({
      store: this.store,
      bus: this.bus,
      clock: this.clock,
      hooks: this.hooks,
      retentionMs: options.eventRetentionMs ?? defaultEventRetentionMs,
      pollMs: options.eventPollMs ?? defaultEventPollMs,
    });
    this.claims = new Claims(this.store, this.clock, options.worker);
    this.lanes = new StoreLanes(this.store, {
      now: () => this.clock.now(),
      child: (parentId, e) => this.attacher.children.record(parentId, e),
      lease: (id) => this.claims.lease(id),
      ...(this.claims.exclusive ? {} : { sharedAs: this.claims.options.name }),
      // Outcome unknown (not refused): resume it from history soon, not after a lease.
      // A sequence mismatch with the claim held means another runner of this process
      // wrote first (no other worker gets past the lease): the claim goes back too, so a
      // claim round resumes the execution from what was written (on SQLite, whose claims
      // never lapse, nothing else would).
      lost: (id, error) =>
        this.leave(
          id,
          error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          error instanceof StoreBusyError || error instanceof SequenceMismatchError,
        ),
    });
    this.attacher = new Attacher({
      store: this.store,
      claims: this.claims,
      lanes: this.lanes,
      clock: this.clock,
      hooks: this.hooks,
      limits: this.limits,
      workflow: (ref) => this.workflowFor(ref),
      resolve: (ref) => this.resolveRef(ref),
      validateInput: (w, input) => this.validateInput(w, input),
      admission: (w, input) => admissionOf(w.ir, w.ref, input),
      runner: (id, w) => this.runnerFor(id, w),
    });
    const retention = options.retentionMs;
    if (retention !== undefined && (!Number.isSafeInteger(retention) || retention <= 0))
      throw new RangeError(
        `retentionMs must be a positive integer of milliseconds, not ${retention}`,
      );
    this.loop = new WorkLoop(this.store, this.claims, this.attacher, retention);
  }

  /** Registers every workflow document in `source` here and in the store (immutable versions). */
  async register(source: string | Json, filename?: string): Promise<WorkflowRef[]> {
    const ws = this.registry.register(source, filename);
    for (const w of ws) await this.persist(w);
    return ws.map((w) => w.ref);
  }

  /** Registers a TypeScript function for `call: name`, before the workflows that call it
   *  and before recover() (recovered executions need their functions). */
  registerFunction(name: string, fn: WeftFunction): void {
    this.functions.register(name, fn);
  }

  /** Subscribes to the typed event map; `history:appended` carries `firstSeq` here. */
  on<K extends EngineEventName>(name: K, fn: (payload: EngineEvents[K]) => void): () => void {
    return this.hooks.on(name, fn);
  }

  /**
   * Stores CloudEvents in the store's events log (durable when this resolves) and delivers
   * them to the listens waiting in this process; engines of other processes on the same
   * store deliver them to theirs, and a listen reached later looks back on them for the
   * retention (docs/guarantees.md "Events"). An event whose (source, id) is stored already
   * is not stored or delivered again: its stored record is returned.
   */
  async publish(events: CloudEvent | readonly CloudEvent[]): Promise<StoredEvent[]> {
    return this.events.publish(Array.isArray(events) ? events : [events as CloudEvent]);
  }

  /** Deletes stored events older than the retention now (the engine also does it every
   *  retention/10, at most every minute); returns how many. */
  pruneEvents(): Promise<number> {
    return this.events.prune();
  }

  /**
   * Starts an execution (durable before this resolves) and returns its handle. With an
   * idempotency key already used for the same workflow and input it returns that
   * execution (`handle.created` false); with other content it throws a 409 problem.
   */
  async start(
    target: StartTarget,
    input: Json = {},
    options: DurableStartOptions = {},
  ): Promise<DurableHandle> {
    const w = await this.resolveTarget(target);
    this.validateInput(w, input);
    const id = options.executionId ?? timeOrderedId();
    const { priority, concurrency, rate } = admissionOf(w.ir, w.ref, input, {
      ...(options.priority !== undefined ? { priority: options.priority } : {}),
      namespaceLimits: this.namespaceLimits,
    });
    const runHere = this.claims.runsStarts && concurrency.length + rate.length === 0;
    const now = this.clock.now();
    const started: HistoryEvent = {
      v: 1,
      type: 'ExecutionStarted',
      time: now,
      workflow: { ...w.ref, hash: w.hash },
      input,
      seed: randomUUID(),
      ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
    };
    let created;
    try {
      created = await this.store.createExecution({
        id,
        workflow: { ...w.ref, hash: w.hash },
        input,
        ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
        priority,
        ...(concurrency.length > 0 ? { concurrency } : {}),
        ...(rate.length > 0 ? { rate } : {}),
        startedEvent: started,
        // this process drives what it starts (the run item comes claimed), unless it
        // leaves starts to the workers (worker.runStarts false) or limits apply: then a
        // claim admits it when its keys have room (docs/operations.md "Limits")
        work: [this.claims.runItem(runHere)],
      });
    } catch (e) {
      throw startError(e);
    }
    if (created.created) {
      if (runHere) this.claims.hold(id);
      else this.claims.await(id);
      // its history is the event just written (input: the store's copy, not the caller's),
      // when this process is the one to load it
      if (runHere || this.claims.drivesAll)
        this.lanes.created(id, { ...started, input: created.execution.input });
    }
    // the record the create committed (or, for a repeated key, read in its transaction)
    const live = await this.attacher.attach(
      created.execution.id,
      false,
      undefined,
      created.execution,
    );
    if (!live) throw new Error(`execution ${created.execution.id} vanished from the store`);
    return new DurableHandle(created.execution, created.created, live, this.attacher);
  }

  /** A handle on an execution in the store (attached, i.e. resumed here, when unfinished). */
  async handle(id: string): Promise<DurableHandle | undefined> {
    const record = await this.store.getExecution(id);
    if (!record) return undefined;
    const live = await this.attacher.attach(id, false);
    if (!live) return undefined;
    return new DurableHandle(record, false, live, this.attacher);
  }

  get(id: string): Promise<ExecutionRecord | undefined> {
    return this.store.getExecution(id);
  }

  list(filter?: ExecutionFilter): Promise<ExecutionPage> {
    return this.store.listExecutions(filter);
  }

  /** History records (with seq) after `after` (default 0). */
  history(id: string, after = 0): Promise<HistoryRecord[]> {
    return this.store.loadHistory(id, { after });
  }

  /** Cancels an execution (its children too; try.finally runs); resolves once recorded as requested. */
  cancel(id: string, reason?: string): Promise<void> {
    return this.attacher.cancel(id, reason);
  }

  /**
   * Ends the execution at once, without its finally blocks: nothing more of it runs, a call
   * in flight is abandoned (aborted here when this process drives it), and its children in
   * flight end the same way. Recorded as ExecutionCancelled with `terminated: true`; status
   * `cancelled`. For a cancel stuck in a finally block, or an execution nobody can drive.
   * Returns the record (unchanged when it had ended); 404 problem for an unknown id.
   */
  terminate(id: string, reason?: string): Promise<ExecutionRecord> {
    return this.attacher.terminate(id, reason);
  }

  /** Holds the execution: outcomes of its effects wait until resume(). Status `suspended`. */
  suspend(id: string): Promise<void> {
    return this.attacher.suspend(id);
  }

  resume(id: string): Promise<void> {
    return this.attacher.unsuspend(id);
  }

  /**
   * Runs a parked execution (dead-letter, determinism) again, from its history, once its
   * cause is fixed: a claim admits it (this engine's, when it serves; else any worker's,
   * or the next recover()). 409 problem when it is not parked (docs/guarantees.md).
   */
  async unpark(id: string): Promise<void> {
    await this.attacher.unpark(id);
    this.loop.workAdded();
  }

  /**
   * Resumes every unfinished execution of the store that no live worker holds (on an
   * exclusive store such as SQLite: every one), by claiming their run items.
   */
  recover(): Promise<{ resumed: string[]; parked: string[] }> {
    return this.loop.recover();
  }

  /**
   * Serves the store until close(): claims executions as they become due (new, released,
   * or left by a worker whose claim lapsed), woken by the store or every pollMs.
   */
  serve(): Promise<{ resumed: string[]; parked: string[] }> {
    return this.loop.serve();
  }

  /** How many executions this process drives now. */
  get liveCount(): number {
    return this.attacher.liveCount;
  }

  /**
   * Stops serving WITHOUT ending executions: effects in flight are aborted and resume on
   * the next recover(); commits in flight are waited for; the store stays open.
   * With `drainMs`, first a graceful drain (a worker's SIGTERM): no new claims, steps go on
   * being recorded but start nothing new, and the calls in flight get up to `drainMs` to
   * finish and have their outcomes recorded, so that the next process does not run them
   * again (docs/operations.md "Stopping a worker"). A second close() while draining stops
   * at once.
   */
  close(options: { drainMs?: number } = {}): Promise<void> {
    if (this.closing) {
      this.drainUntil = 0;
      return this.closing;
    }
    this.closing = this.shutDown(options.drainMs ?? 0);
    return this.closing;
  }

  private async shutDown(drainMs: number): Promise<void> {
    this.loop.stop();
    if (drainMs > 0) await this.drain(drainMs);
    await this.events.close();
    await this.attacher.detachAll();
    await this.claims.releaseAll();
  }

  /** Waits until no call is in flight and every recorded step is committed, or drainMs. */
  private async drain(drainMs: number): Promise<void> {
    this.draining = true;
    this.drainUntil = Date.now() + drainMs;
    while (Date.now() < this.drainUntil) {
      if (this.callsInFlight === 0 && !this.lanes.busy) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  // ------------------------------------------------------------------ internals

  private validateInput(w: RegisteredWorkflow, input: Json): void {
    if (w.ir.inputSchema === undefined) return;
    const errors = this.validateSchema(w.ir.inputSchema, input);
    if (errors) throw new InputValidationError(errors, w.ref);
  }

  private async persist(w: RegisteredWorkflow): Promise<void> {
    await this.store.putWorkflow({
      ...w.ref,
      hash: w.hash,
      source: JSON.stringify(w.document),
      createdAt: this.clock.now(),
    });
  }

  private async resolveTarget(target: StartTarget): Promise<RegisteredWorkflow> {
    if ('document' in target && target.document !== null && typeof target.document === 'object') {
      const [ref] = await this.register(target as Json);
      return this.registry.get(ref!)!;
    }
    return this.resolveRef(target as { namespace: string; name: string; version?: string });
  }

  /**
   * A workflow by reference, for a start or a child (`run: workflow`). An exact version
   * registered here is used as it is; any other comes from the store, which holds what
   * every process registered (a server's API, a `weft run` beside the worker, another
   * worker): before this, a worker that had not registered a child's workflow itself
   * faulted the parent with "not registered" (found by chaos/multi.ts, 2026-11-26). `latest`
   * (or no version) always asks the store which versions exist (their numbers, not their
   * sources: Store.workflowVersions), so every process picks the same one, and reads the
   * sources only when a version is new to this process.
   */
  private async resolveRef(ref: {
    namespace: string;
    name: string;
    version?: string;
  }): Promise<RegisteredWorkflow> {
    if (ref.version !== undefined && ref.version !== 'latest') {
      const known = this.registry.get(ref as WorkflowRef);
      if (known) return known;
      const stored = await this.store.getWorkflow(ref as WorkflowRef);
      // (a concurrent resolve of the same version may have registered it meanwhile)
      if (stored) return this.registry.get(stored) ?? this.registry.register(stored.source)[0]!;
    } else {
      const { namespace, name } = ref;
      const versions = await this.store.workflowVersions(namespace, name);
      // one read of the sources when any version is new here, not one read per version
      if (versions.some(({ version }) => !this.registry.get({ namespace, name, version })))
        for (const s of await this.store.listWorkflowVersions(namespace, name))
          if (!this.registry.get(s)) this.registry.register(s.source);
    }
    return this.registry.resolve(ref); // throws "not registered" when no process registered it
  }

  /**
   * The exact version an execution is pinned to (from the store when not registered here).
   * Concurrent loads of one version share one read and one compile: a worker attaching
   * 200 claimed executions of a workflow it had not registered read and compiled it 200
   * times (1-3 s per read on the 2-core bench box, bench/workers/run.ts).
   */
  private workflowFor(pinned: WorkflowRef & { hash: string }): Promise<RegisteredWorkflow> {
    const known = this.registry.get(pinned);
    if (known && known.hash === pinned.hash) return Promise.resolve(known);
    const key = JSON.stringify([pinned.namespace, pinned.name, pinned.version, pinned.hash]);
    let loading = this.loadingWorkflows.get(key);
    if (!loading) {
      loading = this.loadWorkflow(pinned).finally(() => this.loadingWorkflows.delete(key));
      this.loadingWorkflows.set(key, loading);
    }
    return loading;
  }

  private async loadWorkflow(pinned: WorkflowRef & { hash: string }): Promise<RegisteredWorkflow> {
    const stored = await this.store.getWorkflow(pinned);
    if (!stored || stored.hash !== pinned.hash)
      throw new Error(
        `workflow ${pinned.namespace}/${pinned.name}@${pinned.version} with hash ${pinned.hash} is not in the store`,
      );
    return this.registry.register(stored.source)[0]!;
  }

  /**
   * The execution leaves this process (its runner is dropped, its effects in flight are
   * aborted) and `execution:lost` says why; with `handBack`, its run item goes back where
   * this worker still holds it, so the next claim round, of any worker, this one too,
   * resumes it from its history at once.
   */
  private leave(id: string, reason: string, handBack: boolean): void {
    const fence = this.claims.fenceOf(id); // the claim to hand back, read before drop forgets it
    this.attacher.drop(id);
    if (handBack) void this.claims.giveBack(id, fence);
    this.hooks.emit('execution:lost', { executionId: id, reason });
  }

  /**
   * RunnerDeps.letGo: this process cannot vouch for its claim of `id` any more
   * (Claims.lapsed, and a renewal failed: Claims.confirm). The execution leaves it and is
   * handed back, and so are the children its last step created: their run items came
   * claimed by this process, and nothing here would drive them.
   */
  private letGo(id: string, children: readonly string[]): void {
    for (const child of children) {
      const fence = this.claims.fenceOf(child);
      this.claims.forget(child);
      void this.claims.giveBack(child, fence);
    }
    this.leave(
      id,
      `LeaseLapsedError: execution ${id}: this worker's lease on it may have lapsed (no renewal it can vouch for); nothing more is launched here`,
      true,
    );
  }

  private runnerFor(id: string, w: RegisteredWorkflow): ExecutionRunner {
    let deps = this.runnerDeps.get(w);
    if (!deps) this.runnerDeps.set(w, (deps = this.depsFor(w)));
    return new ExecutionRunner(id, w.ir, deps);
  }

  /** What every runner of workflow `w` shares (built once per workflow version, not per
   *  execution: ~1.5 KB and a dozen closures less for each execution started). */
  private depsFor(w: RegisteredWorkflow): RunnerDeps {
    const secrets = secretsFor(w.secrets, this.knownSecrets);
    const use = (w.document as { use?: { authentications?: Record<string, Json> } }).use;
    return {
      store: this.lanes,
      clock: this.clock,
      bus: this.bus,
      events: this.events,
      cache: this.cache,
      hooks: this.hooks,
      jq: defaultJq,
      calls: {
        functions: this.functions,
        hostMap: this.hostMap,
        loader: this.loader,
        secrets,
        ...(use?.authentications ? { authentications: use.authentications } : {}),
        ...(this.idempotencyHeader ? { idempotencyHeader: this.idempotencyHeader } : {}),
      },
      context: {
        secrets,
        runtime: { name: 'weft', version: '0.1.0' },
        validateSchema: this.validateSchema,
      },
      startChild: (_parent, _ref, _input, childId) => this.attacher.children.run(childId),
      newId: () => timeOrderedId(),
      dropChild: (childId, reason) =>
        void this.attacher.dropChild(childId, reason).catch(() => undefined),
      cancelChild: (childId, reason) =>
        void this.attacher.cancel(childId, reason).catch(() => undefined),
      lost,
      failure,
      stepped: (runner) => this.attacher.stepped(runner),
      calling: this.calling,
      holding: () => this.draining,
      vouch: (id) => !this.claims.lapsed(id) || this.claims.confirm(id),
      letGo: (id, children) => this.letGo(id, children),
      unloadAt: (runner, until) => this.attacher.unloadAt(runner, until),
    };
  }
}

export function createDurableEngine(options: DurableEngineOptions): DurableEngine {
  return new DurableEngine(options);
}

export type { Live };
