// createEngine(): the embeddable runtime. It registers workflows and TypeScript
// functions, starts executions and drives them to their end in this process (effects
// that need no server: http/openapi calls, functions, timers, an in-process event bus,
// child executions). History goes to a HistoryStore (in memory by default).
//
//   const engine = createEngine({ hostMap: { 'petstore.swagger.io': 'http://127.0.0.1:8080' } });
//   engine.registerFunction('greet', async (args) => ({ text: `hi ${args.name}` }));
//   engine.register(yamlText);
//   const output = await engine.start({ namespace, name, version }, input).result();
import { randomUUID } from 'node:crypto';
import type { CloudEvent, HistoryEvent, Json, WorkflowRef } from '../history/events.js';
import { defaultJq } from '../dsl/compile-jq.js';
import { EventBus, checkCloudEvent } from './bus.js';
import { EffectCache } from './cache.js';
import { type Clock, systemClock } from './clock.js';
import { FunctionRegistry, type WeftFunction } from './functions.js';
import { type HistoryStore, MemoryHistoryStore } from './history-store.js';
import { type EngineEventName, type EngineEvents, Hooks } from './hooks.js';
import { type HostMap, resolveHostMap } from './hostmap.js';
import { DocumentLoader } from './openapi/index.js';
import { ProblemError, problem } from './problems.js';
import { ExecutionFaultedError, InputValidationError } from './errors.js';
import { type RegisteredWorkflow, WorkflowRegistry } from './registry.js';

export { ExecutionFaultedError, InputValidationError } from './errors.js';
import { type ChildRun, ExecutionRunner, type Outcome } from './runner.js';
import { createSchemaValidator } from './schema.js';
import { secretsFor, secretsFromEnv } from './secrets.js';

export interface EngineOptions {
  /** Secrets by name for `$secrets` and secret-based authentication (over WEFT_SECRET_*). */
  secrets?: Record<string, Json>;
  /** Host overrides of outgoing calls (over WEFT_HOST_MAP): {'petstore.swagger.io': 'http://127.0.0.1:8080'}. */
  hostMap?: HostMap;
  clock?: Clock;
  /** Where histories go (default: in memory). */
  store?: HistoryStore;
  /** Environment read for WEFT_HOST_MAP and WEFT_SECRET_* (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Send every http/openapi call's idempotency key in this header ('Idempotency-Key' for true). */
  idempotencyHeader?: string | boolean;
  /** Folder relative OpenAPI document paths resolve against (default: the working directory). */
  baseDir?: string;
}

export interface ExecutionHandle {
  readonly id: string;
  readonly workflow: WorkflowRef;
  /** Settles when the execution ends, never rejects. */
  readonly outcome: Promise<Outcome>;
  /** The output, or throws ExecutionFaultedError (or for a cancelled execution, a runtime problem). */
  result(): Promise<Json>;
  cancel(reason?: string): void;
}

/** What start() accepts: a registered workflow (version optional: the latest) or a document. */
export type StartTarget =
  | WorkflowRef
  | { namespace: string; name: string; version?: string }
  | { document: Json; [k: string]: Json };

export interface StartOptions {
  executionId?: string;
  idempotencyKey?: string;
}

export class Engine {
  private readonly functions = new FunctionRegistry();
  private readonly registry = new WorkflowRegistry(this.functions);
  private readonly hooks = new Hooks();
  private readonly bus = new EventBus();
  private readonly clock: Clock;
  private readonly store: HistoryStore;
  private readonly hostMap: HostMap;
  private readonly knownSecrets: Record<string, Json>;
  private readonly loader: DocumentLoader;
  private readonly validateSchema = createSchemaValidator();
  private readonly idempotencyHeader?: string;
  private readonly running = new Map<string, ExecutionRunner>();
  private readonly cache = new EffectCache();
  /** Executions started with an idempotency key (DESIGN.md: duplicate starts create one). */
  private readonly byIdempotencyKey = new Map<
    string,
    { handle: ExecutionHandle; hash: string; input: string }
  >();

  constructor(options: EngineOptions = {}) {
    const env = options.env ?? process.env;
    this.clock = options.clock ?? systemClock;
    this.store = options.store ?? new MemoryHistoryStore();
    this.hostMap = resolveHostMap(options.hostMap, env.WEFT_HOST_MAP);
    this.knownSecrets = { ...secretsFromEnv(env), ...options.secrets };
    this.loader = new DocumentLoader(this.hostMap, options.baseDir);
    const h = options.idempotencyHeader;
    if (h) this.idempotencyHeader = h === true ? 'Idempotency-Key' : h;
  }

  /** Registers every workflow document in `source` (text or a parsed document). */
  register(source: string | Json, filename?: string): WorkflowRef[] {
    return this.registry.register(source, filename).map((w) => w.ref);
  }

  /** Registers a TypeScript function for `call: name`. Register functions before the workflows that call them. */
  registerFunction(name: string, fn: WeftFunction): void {
    this.functions.register(name, fn);
  }

  on<K extends EngineEventName>(name: K, fn: (payload: EngineEvents[K]) => void): () => void {
    return this.hooks.on(name, fn);
  }

  /** Puts an event on the in-process bus (listen tasks waiting for it receive it). */
  publish(event: CloudEvent): void {
    checkCloudEvent(event);
    this.bus.publish(event);
  }

  /** The registered document of `ref` (e.g. for a store that keeps workflow sources). */
  definition(ref: WorkflowRef): Json | undefined {
    return this.registry.get(ref)?.document;
  }

  history(executionId: string): Promise<HistoryEvent[]> {
    return this.store.load(executionId);
  }

  private resolve(target: StartTarget): RegisteredWorkflow {
    if ('document' in target && target.document !== null && typeof target.document === 'object') {
      return this.registry.get(this.register(target as Json)[0]!)!;
    }
    return this.registry.resolve(target as { namespace: string; name: string; version?: string });
  }

  /** Starts an execution. Throws (synchronously) for an unknown workflow or invalid input. */
  start(target: StartTarget, input: Json = {}, options: StartOptions = {}): ExecutionHandle {
    const w = this.resolve(target);
    const key = options.idempotencyKey;
    if (key === undefined) return this.startExecution(w, input, options);
    // the same key again returns the first execution; with other content it is a conflict
    const seen = this.byIdempotencyKey.get(key);
    const text = JSON.stringify(input);
    if (seen) {
      if (seen.hash === w.hash && seen.input === text) return seen.handle;
      throw new ProblemError(
        problem(
          'validation',
          'Idempotency key reused',
          `idempotency key '${key}' already started execution ${seen.handle.id} with another workflow or input`,
          { status: 409 },
        ),
        false,
      );
    }
    const handle = this.startExecution(w, input, options);
    this.byIdempotencyKey.set(key, { handle, hash: w.hash, input: text });
    return handle;
  }

  private startExecution(
    w: RegisteredWorkflow,
    input: Json,
    options: StartOptions,
    parent?: { executionId: string; effectId: number },
  ): ExecutionHandle {
    if (w.ir.inputSchema !== undefined) {
      const errors = this.validateSchema(w.ir.inputSchema, input);
      if (errors) throw new InputValidationError(errors, w.ref);
    }
    const id = options.executionId ?? randomUUID();
    if (this.running.has(id))
      throw new ProblemError(
        problem('configuration', 'Duplicate execution id', `execution ${id} is already running`),
        false,
      );
    const runner = new ExecutionRunner(id, w.ir, {
      store: this.store,
      clock: this.clock,
      bus: this.bus,
      cache: this.cache,
      hooks: this.hooks,
      jq: defaultJq,
      calls: {
        functions: this.functions,
        hostMap: this.hostMap,
        loader: this.loader,
        secrets: secretsFor(w.secrets, this.knownSecrets),
        ...(this.authentications(w) ? { authentications: this.authentications(w)! } : {}),
        ...(this.idempotencyHeader ? { idempotencyHeader: this.idempotencyHeader } : {}),
      },
      context: {
        secrets: secretsFor(w.secrets, this.knownSecrets),
        runtime: { name: 'weft', version: '0.1.0' },
        validateSchema: this.validateSchema,
      },
      startChild: (p, ref, childInput, childId) => this.startChild(p, ref, childInput, childId),
      newId: () => randomUUID(),
    });
    this.running.set(id, runner);
    void runner.outcome.then(() => this.running.delete(id));
    const started: HistoryEvent = {
      v: 1,
      type: 'ExecutionStarted',
      time: this.clock.now(),
      workflow: { ...w.ref, hash: w.hash },
      input,
      seed: randomUUID(),
      ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
      ...(parent ? { parent } : {}),
    };
    this.hooks.emit('execution:started', {
      executionId: id,
      workflow: w.ref,
      ...(parent ? { parentId: parent.executionId } : {}),
      started,
    });
    runner.start(started);
    return {
      id,
      workflow: w.ref,
      outcome: runner.outcome,
      async result() {
        const o = await runner.outcome;
        if (o.status === 'completed') return o.output;
        if (o.status === 'faulted') throw new ExecutionFaultedError(id, o.error);
        throw new ExecutionFaultedError(
          id,
          problem('runtime', 'Execution cancelled', o.reason ?? `execution ${id} was cancelled`),
        );
      },
      cancel: (reason?: string) => void runner.cancel(reason),
    };
  }

  private authentications(w: RegisteredWorkflow): Record<string, Json> | undefined {
    const use = (w.document as { use?: { authentications?: Record<string, Json> } }).use;
    return use?.authentications;
  }

  private startChild(
    parent: { executionId: string; effectId: number },
    ref: WorkflowRef,
    input: Json,
    childId: string,
  ): ChildRun {
    const handle = this.startExecution(this.resolve(ref), input, { executionId: childId }, parent);
    return { outcome: handle.outcome, cancel: (reason) => handle.cancel(reason) };
  }

  /** Cancels every running execution (their try.finally blocks run) and waits for them. */
  async close(): Promise<void> {
    const runners = [...this.running.values()];
    for (const r of runners) void r.cancel('the engine closed');
    await Promise.all(runners.map((r) => r.outcome));
  }
}

export function createEngine(options: EngineOptions = {}): Engine {
  return new Engine(options);
}
