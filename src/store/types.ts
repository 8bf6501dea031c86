// The Store: everything weft keeps durably, behind one interface (DESIGN.md "Storage").
// SQLite (sqlite/) is the embedded default; PostgreSQL implements the same interface
// later and must pass the same contract suite (test/store/contract.ts).
//
// The engine's unit of durability is one `commit(batch)`: the history events of a
// step, the execution's new status and its next work items, in ONE transaction. When
// the returned promise resolves the batch is durable; when it rejects nothing of it
// was written.

import type { CloudEvent, HistoryEvent, Json, Problem, WorkflowRef } from '../history/events.js';
import type { StoreLimits } from './limits.js';

export type { CloudEvent, Json, Problem, WorkflowRef };

// ---------------------------------------------------------------- workflows

export interface WorkflowRecord extends WorkflowRef {
  /** Content hash of `source` computed by the caller (e.g. sha256 hex); pins executions. */
  hash: string;
  /** The document text as registered. */
  source: string;
  /** Milliseconds since the epoch when it was first registered. */
  createdAt: number;
}

/** A registered version without its source (Store.workflowVersions). */
export interface WorkflowVersion {
  version: string;
  hash: string;
}

/** What putWorkflow takes: the record itself (createdAt is the registration time). */
export type NewWorkflow = WorkflowRecord;

export interface WorkflowFilter {
  namespace?: string;
  /** An opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
  /** Default 50, at most 1000. */
  limit?: number;
}

export interface WorkflowPage {
  items: WorkflowRecord[];
  /** Present when there may be more: pass it as `cursor` for the next page. */
  nextCursor?: string;
}

// ---------------------------------------------------------------- executions

/**
 * Where an execution stands: a tagged union (STYLE.md 5), never loose flags.
 * `parked` executions need a human: `determinism` (replay did not match the recorded
 * history) or `dead-letter` (it crashed the process on every recovery attempt).
 */
export type ExecutionStatus =
  | { state: 'running' }
  | { state: 'suspended' }
  | { state: 'completed'; output: Json }
  | { state: 'faulted'; error: Problem }
  | { state: 'cancelled'; reason?: string }
  | { state: 'parked'; reason: 'determinism' | 'dead-letter'; detail?: string };

export type ExecutionState = ExecutionStatus['state'];

/** States from which an execution never moves again. */
export const terminalStates: readonly ExecutionState[] = ['completed', 'faulted', 'cancelled'];

export interface ExecutionRecord {
  id: string;
  /** The exact workflow version (and content hash) the execution started with. */
  workflow: WorkflowRef & { hash: string };
  input: Json;
  status: ExecutionStatus;
  idempotencyKey?: string;
  parentId?: string;
  /** Higher is claimed first. Default 0. */
  priority: number;
  /** Sequence number the next history event will get (the first event is 1). */
  nextSeq: number;
  /** Bytes of stored history (JSON text of every event). */
  historyBytes: number;
  /** Recovery attempts since the last reset; the engine dead-letters past a bound. */
  recoveryAttempts: number;
  createdAt: number;
  /** When it last changed: its status, or (SQLite) the time of its newest event. */
  updatedAt: number;
  /**
   * Present (true) while the execution waits for its first admission: it has limit keys
   * (concurrency or rate) and no claim of its run item has admitted it yet. Reported by
   * getExecution and createExecution. A process drives such an execution only after its
   * own claim admitted it (docs/operations.md "Limits").
   */
  awaitingAdmission?: true;
}

export interface NewExecution {
  id: string;
  workflow: WorkflowRef & { hash: string };
  input: Json;
  idempotencyKey?: string;
  parentId?: string;
  priority?: number;
  /** Becomes history event 1. Its `time` is the execution's createdAt. */
  startedEvent: HistoryEvent;
  /** Work to enqueue with it (typically one `ready` item so a worker picks it up). */
  work?: NewWorkItem[];
  /**
   * Concurrency limits (docs/operations.md "Limits"): from its admission (the first
   * claim of one of its work items) until it is terminal or parked, the execution holds
   * one slot of each key; claimWork admits no execution whose key is full. Keys are
   * scoped by the caller (e.g. `wf:ns/name`, `ns:ns`); each key once.
   */
  concurrency?: readonly { key: string; limit: number }[];
  /** Rate limits: at most `limit` admissions per key in any `periodMs` window. */
  rate?: readonly { key: string; limit: number; periodMs: number }[];
}

/** What createExecution returns: `created: false` when the idempotency key existed. */
export interface CreatedExecution {
  execution: ExecutionRecord;
  created: boolean;
}

export interface ExecutionFilter {
  workflow?: Partial<WorkflowRef>;
  states?: readonly ExecutionState[];
  parentId?: string;
  /** An opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
  /** Default 50, at most 1000. */
  limit?: number;
}

export interface ExecutionPage {
  items: ExecutionRecord[];
  /** Present when there may be more: pass it as `cursor` for the next page. */
  nextCursor?: string;
}

// ---------------------------------------------------------------- history

export interface HistoryRecord {
  seq: number;
  event: HistoryEvent;
}

// ---------------------------------------------------------------- work

/**
 * A unit of work for workers. `ready`: the execution has something to do now (it was
 * started, an event or a child result arrived). `timer`: a durable timer, due at
 * `dueAt`. Items are keyed per execution (`key`, e.g. `ready` or `timer:7`): adding
 * an existing key replaces it.
 */
export interface NewWorkItem {
  key: string;
  kind: 'ready' | 'timer';
  /** Milliseconds since the epoch; the item is not claimable before. */
  dueAt: number;
  payload?: Json;
  /**
   * Adds the item already claimed by `worker` until `leaseUntil` (a worker that starts an
   * execution drives it without a claim round trip). Without it the item is unclaimed.
   */
  claim?: { worker: string; leaseUntil: number };
}

export interface WorkItem extends Omit<NewWorkItem, 'claim'> {
  executionId: string;
  priority: number;
  /** The worker holding it and until when (ms since the epoch). */
  claimedBy?: string;
  leaseUntil?: number;
  /**
   * Set by a claim that is the item's first: no worker held it before (PostgreSQL: its
   * fencing token was still 0), so no process can have crashed driving it and the engine
   * counts no recovery attempt. SQLite does not set it (a restart voids the old claims, so
   * it cannot tell).
   */
  firstClaim?: true;
}

/** A work item to give back: the fence, where given, names the claim meant. */
export interface ReleasedItem {
  executionId: string;
  key: string;
  fence?: number;
}

export interface ClaimRequest {
  worker: string;
  now: number;
  /** The claim lapses after this long unless the work is removed by a commit. */
  leaseMs: number;
  limit: number;
  kinds?: readonly ('ready' | 'timer')[];
}

// ---------------------------------------------------------------- commit

/** Events one transaction appended to one execution's history: seqs firstSeq..lastSeq. */
export interface HistoryChange {
  executionId: string;
  firstSeq: number;
  lastSeq: number;
}

/** One execution's part of a commit. */
export interface ExecutionWrite {
  executionId: string;
  /**
   * The sequence number the first appended event must get (the execution's current
   * `nextSeq`): optimistic concurrency. A mismatch rejects the whole batch with a
   * SequenceMismatchError.
   */
  expectedNextSeq: number;
  events?: readonly HistoryEvent[];
  status?: ExecutionStatus;
  /** Sets the recovery attempt counter (0 after a step succeeded). */
  recoveryAttempts?: number;
  addWork?: readonly NewWorkItem[];
  /** Keys of this execution's work items to delete (done). */
  removeWork?: readonly string[];
  /**
   * Fencing: the write is valid only while `worker` holds these work items of the
   * execution. If another worker claimed one since (our lease lapsed), the batch is
   * rejected with LeaseLostError and the worker must drop the execution.
   */
  lease?: { worker: string; keys: readonly string[] };
}

/** A result to keep for the `cache: { key, ttl }` extension. Same key replaces. */
export interface CacheEntry {
  key: string;
  result: Json;
  /** Milliseconds since the epoch after which the entry is stale. */
  expiresAt: number;
}

export interface CommitBatch {
  /** New executions (child executions started by this step). */
  create?: readonly NewExecution[];
  writes?: readonly ExecutionWrite[];
  /** Effect results to cache, stored with `now` as their time. */
  cache?: readonly CacheEntry[];
  /**
   * Time of the commit (ms since the epoch): updatedAt of the executions whose status it
   * sets. PostgreSQL also stores it for every other write; SQLite, which writes a step's
   * history rows alone, reports the later of it and the newest event's time.
   */
  now: number;
}

export interface CommitResult {
  /** New `nextSeq` for each written execution, in `writes` order. */
  nextSeqs: number[];
  created: CreatedExecution[];
}

// ---------------------------------------------------------------- events

/**
 * A CloudEvent in the events log (docs/guarantees.md "Events"): every event sent to the
 * engine, kept for the retention so a `listen` reached later still finds it, and read by
 * every engine on the store (each delivers it once to its in-process listens).
 */
export interface StoredEvent {
  /** Order of arrival over the whole store, increasing (gaps are possible). */
  seq: number;
  event: CloudEvent;
  /** Milliseconds since the epoch when it was stored (the appender's clock). */
  storedAt: number;
}

export interface EventQuery {
  /** Only events with seq > after (default 0). */
  after?: number;
  /** Only events stored at or after this time (ms since the epoch). */
  since?: number;
  /** Default 100, at most 1000. */
  limit?: number;
}

// ---------------------------------------------------------------- the store

export interface Store {
  readonly limits: StoreLimits;

  /** Registers a workflow version. The same version with another hash is a conflict. */
  putWorkflow(workflow: NewWorkflow): Promise<{ workflow: WorkflowRecord; created: boolean }>;
  getWorkflow(ref: WorkflowRef): Promise<WorkflowRecord | undefined>;
  /** Every registered version of namespace/name, oldest first. */
  listWorkflowVersions(namespace: string, name: string): Promise<WorkflowRecord[]>;
  /**
   * The same versions' numbers and hashes, without their sources: what a start or a child
   * by name (`latest`) resolves against at every call (engine.ts resolveRef). Reading the
   * sources each time made such a start 1.2x slower with 5 versions, 2.3x with 30.
   */
  workflowVersions(namespace: string, name: string): Promise<WorkflowVersion[]>;
  /**
   * Every registered version of every workflow (of one namespace when given), ordered by
   * namespace, name, then registration order (createdAt, version), paged. Every version,
   * not only the latest: the server's GET /workflows lists versions.
   */
  listWorkflows(filter?: WorkflowFilter): Promise<WorkflowPage>;

  /**
   * Creates an execution with its first history event. A known idempotency key returns
   * the existing execution (created: false) when workflow and input are the same, and
   * rejects with an IdempotencyConflictError otherwise.
   */
  createExecution(execution: NewExecution): Promise<CreatedExecution>;
  getExecution(id: string): Promise<ExecutionRecord | undefined>;
  listExecutions(filter?: ExecutionFilter): Promise<ExecutionPage>;
  /** Running and suspended executions (for recovery), by id, paged. */
  unfinished(opts?: { after?: string; limit?: number }): Promise<ExecutionRecord[]>;

  /** The one transaction per step. See CommitBatch. */
  commit(batch: CommitBatch): Promise<CommitResult>;

  /** History events with seq > after (default 0), in order. */
  loadHistory(
    executionId: string,
    opts?: { after?: number; limit?: number },
  ): Promise<HistoryRecord[]>;

  /** Timers due at `now` (claimed or not), earliest first. */
  dueTimers(now: number, limit: number): Promise<WorkItem[]>;
  /** The earliest dueAt of any unclaimed work, to sleep until then. */
  nextDueAt(): Promise<number | undefined>;
  /**
   * Claims due work whose lease is free: priority first (with aging on PostgreSQL),
   * then dueAt. Work of an execution not yet admitted is claimed only when its
   * concurrency and rate keys have room (NewExecution.concurrency/rate), which admits it.
   * A claim takes an item's payload: the item it returns has it, the stored item keeps
   * none, so a payload speaks to the next claim only (the engine marks a run item it put
   * back for a reload or a request; a later claim, after a crash, must not read the mark).
   */
  claimWork(request: ClaimRequest): Promise<WorkItem[]>;
  /** Extends the leases `worker` holds on these items to `leaseUntil`; returns how many. */
  renewLease(
    worker: string,
    items: readonly { executionId: string; key: string }[],
    leaseUntil: number,
  ): Promise<number>;
  /**
   * Gives claimed work back (a worker shutting down, or letting one execution go); only
   * the holder's items move, and an item given with a `fence` only while its claim still
   * carries that token (stores with fencing tokens): a late hand-back of a lapsed claim
   * must not release the claim this worker took again since. Returns how many moved.
   */
  releaseWork(worker: string, items: readonly ReleasedItem[]): Promise<number>;
  /** A cached effect result that is still fresh at `now`. */
  getCached(key: string, now: number): Promise<CacheEntry | undefined>;
  /** Deletes cache entries stale at `now`; returns how many. */
  pruneCache(now: number): Promise<number>;
  /**
   * Retention: deletes executions that ended (completed, faulted or cancelled) before
   * `before` (their updatedAt, ms since the epoch), with their histories (their work
   * went with the commit that ended them), at most `limit` of them, oldest first; returns how many. Running, suspended and parked
   * executions are never deleted. Once deleted, an execution's id and idempotency key are
   * free: starting with the same key creates a new execution.
   */
  pruneExecutions(before: number, limit: number): Promise<number>;
  /** Adds 1 to the recovery counter and returns the new value (before replaying). */
  noteRecoveryAttempt(executionId: string, now: number): Promise<number>;

  /**
   * Stores CloudEvents in the events log, each with the next seq, in one transaction.
   * CloudEvents are unique by (source, id): an event whose source and id are stored
   * already is not stored again, its existing record is returned instead. Rejects with an
   * InvalidRequestError naming the event and field when an event lacks a non-empty string
   * specversion, id, source or type; LimitExceededError past maxPayloadBytes.
   */
  appendEvents(events: readonly CloudEvent[], now: number): Promise<StoredEvent[]>;
  /** Stored events matching the query, in seq order. */
  readEvents(query?: EventQuery): Promise<StoredEvent[]>;
  /** The highest seq stored so far (0 when none was): where a new reader starts. */
  lastEventSeq(): Promise<number>;
  /** Deletes events stored before `olderThan` (ms since the epoch); returns how many. */
  pruneEvents(olderThan: number): Promise<number>;
  /**
   * Wake-ups for event readers (optional): calls `callback` after events were stored, by
   * this or (PostgreSQL, NOTIFY) another process. Returns the unsubscribe function.
   */
  onEvent?(callback: () => void): () => void;

  /**
   * True when one process at a time serves the store (SQLite: one serving process per
   * file). Then the claims left by processes that are gone are void once a worker
   * starts: see resetClaims.
   */
  readonly exclusive?: boolean;
  /**
   * Exclusive stores only: drops every claim whose process is gone (all but those of
   * another process still running on this machine: a `weft run` beside the worker; those
   * of the calling process too, which re-claims what it drives) and gives each unfinished
   * execution its `run` item when it has none (executions written before run items
   * existed). Returns how many items became claimable. The caller then serves the store:
   * the first call takes the serving lock (held until close), and fails with
   * StoreInUseError, writing nothing, while another process holds it.
   */
  resetClaims?(now: number): Promise<number>;
  /**
   * Exclusive stores, while serving (optional): the claims of processes that are gone
   * become claimable; `worker`'s own stay. Returns how many items moved.
   */
  releaseOrphanedClaims?(worker: string): Promise<number>;
  /**
   * Exclusive stores (optional): which of `ids` have ended. The serving process lets go
   * of executions it drives that another process ended (terminate).
   */
  endedAmong?(ids: readonly string[]): Promise<string[]>;

  /**
   * Wake-ups (optional): calls `callback` when work is added or released, with the
   * earliest dueAt of that work when known, so workers need not poll tightly. Returns the
   * unsubscribe function. PostgreSQL implements it with LISTEN/NOTIFY (and calls back
   * every pollMs while its listening connection is down); SQLite reads PRAGMA
   * data_version every 100 ms and calls back when another connection committed (a process
   * beside the serving one: the CLI, an application with worker.claimedOnly).
   */
  onWork?(callback: (dueAt: number | undefined) => void): () => void;

  /**
   * History appended by any process on this store (optional), for live views: calls
   * `callback` after each transaction that appended history, with what it appended.
   * PostgreSQL implements it with NOTIFY on a channel of its own, LISTENed only while a
   * callback is subscribed; a notification lost while that connection was down is not
   * repeated, so a reader keeps its own cursor per execution and reads the history from
   * there (loadHistory with `after`). An empty list means changes may have been missed
   * (the connection was down): a reader then catches up everything it follows. SQLite leaves it undefined: one process drives a
   * file, and its engine's hooks see every append. Returns the unsubscribe function.
   */
  onHistory?(callback: (changes: readonly HistoryChange[]) => void): () => void;

  close(): Promise<void>;
}
