// The port: everything the HTTP server needs from the engine, and nothing more. The
// routes, the WebSocket streams and the tests depend on this interface only;
// durable-adapter.ts implements it on the durable engine and its Store (the one engine
// seam: the in-memory adapter was removed). When the engine grows a capability, only the
// adapter changes.
import type { CloudEvent, HistoryEvent, Json, WorkflowRef } from '../history/events.js';
import type { Diagnostic } from '../dsl/index.js';
import type { ExecutionRecord, ExecutionState, WorkflowRecord } from '../store/types.js';

export type { CloudEvent, ExecutionRecord, ExecutionState, HistoryEvent, Json, WorkflowRecord };

/** One committed history event of an execution, with its sequence number (first is 1). */
export interface SequencedEvent {
  seq: number;
  executionId: string;
  /** The workflow of the execution (lets firehose filters and auth decide per event). */
  workflow: WorkflowRef;
  event: HistoryEvent;
}

export interface RegisterResult {
  workflows: WorkflowRecord[];
  /** False when every document was already registered with the same content. */
  created: boolean;
}

/** The document did not validate: the diagnostics say what and where. */
export class InvalidWorkflowError extends Error {
  constructor(
    readonly diagnostics: Diagnostic[],
    message = 'invalid workflow document',
  ) {
    super(message);
    this.name = 'InvalidWorkflowError';
  }
}

export interface StartRequest {
  workflow: { namespace: string; name: string; version?: string };
  input?: Json;
  idempotencyKey?: string;
}

export interface StartResult {
  execution: ExecutionRecord;
  /** False when the idempotency key had already started this execution. */
  created: boolean;
}

export interface ExecutionQuery {
  namespace?: string;
  name?: string;
  version?: string;
  states?: ExecutionState[];
  /** createdAt bounds, milliseconds since the epoch, inclusive. */
  since?: number;
  until?: number;
  cursor?: string;
  limit?: number;
}

export interface WorkflowQuery {
  namespace?: string;
  /** From a previous page's nextCursor. */
  cursor?: string;
  /** Page size; without it (and without a cursor) every registered version is listed. */
  limit?: number;
}

export interface StreamFilter {
  executionId?: string;
  namespace?: string;
  workflow?: string;
}

export type Unsubscribe = () => void;

export interface EnginePort {
  registerWorkflow(source: string, format: 'yaml' | 'json'): Promise<RegisterResult>;
  getWorkflow(ref: WorkflowRef): Promise<WorkflowRecord | undefined>;
  /** Every registered version, by namespace, name, then registration order (from the store). */
  listWorkflows(query?: WorkflowQuery): Promise<{ items: WorkflowRecord[]; nextCursor?: string }>;
  listVersions(namespace: string, name: string): Promise<WorkflowRecord[]>;

  startExecution(request: StartRequest): Promise<StartResult>;
  getExecution(id: string): Promise<ExecutionRecord | undefined>;
  listExecutions(query: ExecutionQuery): Promise<{ items: ExecutionRecord[]; nextCursor?: string }>;
  /** Committed events with seq > after, in order. */
  history(id: string, after?: number, limit?: number): Promise<SequencedEvent[]>;
  cancel(id: string, reason?: string): Promise<ExecutionRecord>;
  /** Ends it at once, without its finally blocks (DurableEngine.terminate). */
  terminate(id: string, reason?: string): Promise<ExecutionRecord>;
  suspend(id: string): Promise<ExecutionRecord>;
  /** A suspended execution goes on; a parked one (dead-letter, determinism) runs again. */
  resume(id: string): Promise<ExecutionRecord>;

  /** Stores events (durable when this resolves) for the listen tasks waiting for them or
   *  reached later, within the retention (docs/api.md "Events"). */
  publishEvents(events: CloudEvent[]): Promise<void>;
  /** Calls `listener` with every stored event as this engine reads it from the events log,
   *  whichever process stored it (each once). Drives `schedule.on`. */
  onEvent?(listener: (event: CloudEvent) => void): Unsubscribe;

  /** Calls `listener` with every event committed from now on that matches `filter`, in seq order per execution. */
  subscribe(filter: StreamFilter, listener: (e: SequencedEvent) => void): Unsubscribe;

  close(): Promise<void>;
}

/** A capability the engine behind the port does not have yet (the route answers 501). */
export class NotImplementedError extends Error {
  constructor(what: string) {
    super(`${what} is not implemented by this engine yet`);
    this.name = 'NotImplementedError';
  }
}
