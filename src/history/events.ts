// The history of one execution: an append-only list of these events (DESIGN.md
// "Execution model"). Effects are recorded here; pure tasks are recomputed on replay
// and have no events of their own. The interpreter's state is a pure function of the
// workflow IR and this list.
//
// Every event that concerns an effect carries `effectId`: the effect's sequence number
// inside the execution, assigned deterministically by the interpreter in the order
// effects are scheduled. A `...Started` event records that an effect was scheduled;
// the matching `...Completed`/`...Faulted`/`TimerFired`/`EventReceived` records its
// result. On replay the interpreter schedules the same effects again; the recorded
// `...Started` must name the same task, or replay stops with a DeterminismError.
//
// `v` is the event schema version. A change to an event's shape adds a new version and
// an upcaster in codec.ts; stored histories are never rewritten.

import type { Json } from '../jq/api.js';

export type { Json };

/** An RFC 7807 problem object, as the DSL's errors are. */
export interface Problem {
  type: string;
  status: number;
  title?: string;
  detail?: string;
  /** JSON pointer of the task that raised it. */
  instance?: string;
  [extra: string]: Json | undefined;
}

/** A CloudEvent 1.0 in structured form. */
export interface CloudEvent {
  specversion: string;
  id: string;
  source: string;
  type: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: Json;
  [extension: string]: Json | undefined;
}

export interface WorkflowRef {
  namespace: string;
  name: string;
  version: string;
}

interface Base {
  v: 1;
  /** Milliseconds since the epoch when the event was recorded; the interpreter's "now". */
  time: number;
}

export interface ExecutionStarted extends Base {
  type: 'ExecutionStarted';
  workflow: WorkflowRef & { hash: string };
  input: Json;
  /** Seed of the execution's random numbers (jitter, generated ids): replay is exact. */
  seed: string;
  idempotencyKey?: string;
  parent?: { executionId: string; effectId: number };
}

/** A `call` (http, openapi, registered function) or `emit` was scheduled. */
export interface TaskStarted extends Base {
  type: 'TaskStarted';
  effectId: number;
  /** JSON pointer of the task, e.g. /do/0/check/for/do/1/x. */
  taskId: string;
  kind: 'call' | 'emit';
  /** Stable idempotency key: execution id + task id + iteration. */
  key: string;
  /** The resolved request (arguments after expressions were evaluated). */
  request: Json;
}

export interface TaskCompleted extends Base {
  type: 'TaskCompleted';
  effectId: number;
  result: Json;
}

export interface TaskFaulted extends Base {
  type: 'TaskFaulted';
  effectId: number;
  error: Problem;
}

export interface TimerStarted extends Base {
  type: 'TimerStarted';
  effectId: number;
  taskId: string;
  /** Why the timer exists. */
  purpose: 'wait' | 'retry' | 'timeout' | 'workflow-timeout';
  /** Milliseconds since the epoch when it is due. */
  fireAt: number;
}

export interface TimerFired extends Base {
  type: 'TimerFired';
  effectId: number;
}

/** A `listen` task began waiting for events. */
export interface ListenStarted extends Base {
  type: 'ListenStarted';
  effectId: number;
  taskId: string;
  key: string;
  /** The resolved consumption strategy (filters after expressions were evaluated). */
  request: Json;
}

export interface EventReceived extends Base {
  type: 'EventReceived';
  effectId: number;
  event: CloudEvent;
}

/** A listen's consumption strategy is satisfied; no more events are delivered to it. */
export interface ListenCompleted extends Base {
  type: 'ListenCompleted';
  effectId: number;
}

export interface ChildStarted extends Base {
  type: 'ChildStarted';
  effectId: number;
  taskId: string;
  key: string;
  childExecutionId: string;
  workflow: WorkflowRef;
  input: Json;
  await: boolean;
}

export interface ChildCompleted extends Base {
  type: 'ChildCompleted';
  effectId: number;
  output: Json;
}

export interface ChildFaulted extends Base {
  type: 'ChildFaulted';
  effectId: number;
  error: Problem;
}

/** An in-flight effect was cancelled (fork lost a race, timeout, execution cancelled). */
export interface EffectCancelled extends Base {
  type: 'EffectCancelled';
  effectId: number;
}

export interface ExecutionCancelRequested extends Base {
  type: 'ExecutionCancelRequested';
  reason?: string;
}

export interface ExecutionCompleted extends Base {
  type: 'ExecutionCompleted';
  output: Json;
}

export interface ExecutionFaulted extends Base {
  type: 'ExecutionFaulted';
  error: Problem;
}

export interface ExecutionCancelled extends Base {
  type: 'ExecutionCancelled';
  reason?: string;
  /** Ended by terminate: at once, without its finally blocks (runtime/durable/terminate.ts). */
  terminated?: true;
}

export type HistoryEvent =
  | ExecutionStarted
  | TaskStarted
  | TaskCompleted
  | TaskFaulted
  | TimerStarted
  | TimerFired
  | ListenStarted
  | EventReceived
  | ListenCompleted
  | ChildStarted
  | ChildCompleted
  | ChildFaulted
  | EffectCancelled
  | ExecutionCancelRequested
  | ExecutionCompleted
  | ExecutionFaulted
  | ExecutionCancelled;

export type HistoryEventType = HistoryEvent['type'];

/** What a history records about its effects: those started, those settled (an outcome
 *  or a cancellation), and whether the execution's end is recorded. One place for this
 *  reading of the event types, for replay (core) and recovery (runtime). */
export interface RecordedEffects {
  started: Set<number>;
  settled: Set<number>;
  terminal: boolean;
}

export function recordedEffects(history: readonly HistoryEvent[]): RecordedEffects {
  const r: RecordedEffects = { started: new Set(), settled: new Set(), terminal: false };
  for (const e of history) {
    switch (e.type) {
      case 'TaskStarted':
      case 'TimerStarted':
      case 'ListenStarted':
      case 'ChildStarted':
        r.started.add(e.effectId);
        break;
      case 'TaskCompleted':
      case 'TaskFaulted':
      case 'TimerFired':
      case 'ChildCompleted':
      case 'ChildFaulted':
      case 'EffectCancelled':
      case 'ListenCompleted':
        r.settled.add(e.effectId);
        break;
      case 'ExecutionCompleted':
      case 'ExecutionFaulted':
      case 'ExecutionCancelled':
        r.terminal = true;
        break;
      default:
        break;
    }
  }
  return r;
}
