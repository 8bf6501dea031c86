// What the interpreter asks the runtime to do (STYLE.md 1: commands out, not effects).
// The interpreter never performs an effect: it returns these, the runtime carries them
// out and records the outcome as history events (events.ts), which it feeds back.
//
// Each Schedule* command has an `effectId` (the next number in the execution's effect
// sequence) and maps to exactly one `...Started` history event with the same effectId.
// The runtime records that event in the same transaction as the next work items, then
// performs the effect.

import type { CloudEvent, Json, Problem, WorkflowRef } from '../history/events.js';

/** A call of an http/openapi endpoint or of a function registered by the application. */
export interface ScheduleCall {
  type: 'ScheduleCall';
  effectId: number;
  taskId: string;
  key: string;
  /** `http`, `openapi`, or the name of a registered function. */
  call: string;
  /** The task's `with` after expression evaluation (`authentication: {use}` references
   *  are already replaced by the named policy). */
  args: Json;
  /** The task's transformed input: http/openapi expand URI templates (`{petId}`) with it. */
  input?: Json;
  /** weft `cache`: reuse a recorded result with this key while it is fresh. */
  cache?: CacheRequest;
}

export interface CacheRequest {
  /** The evaluated `cache.key`. */
  key: Json;
  ttlMs: number;
}

export interface ScheduleEmit {
  type: 'ScheduleEmit';
  effectId: number;
  taskId: string;
  key: string;
  event: CloudEvent;
}

export interface ScheduleTimer {
  type: 'ScheduleTimer';
  effectId: number;
  taskId: string;
  purpose: 'wait' | 'retry' | 'timeout' | 'workflow-timeout';
  fireAt: number;
}

export interface ScheduleListen {
  type: 'ScheduleListen';
  effectId: number;
  taskId: string;
  key: string;
  /** The resolved `listen.to` strategy: { all | any | one, until? }: filters' `with`
   *  values evaluated; `correlate` as {key: {from: jq text, expect?}}; `until` as jq text
   *  or a nested strategy. The core matches events itself too (it decides when the
   *  strategy is satisfied, then sends CancelEffect). */
  strategy: Json;
  /** `read`: data | envelope | raw. */
  read?: 'data' | 'envelope' | 'raw';
}

export interface ScheduleChild {
  type: 'ScheduleChild';
  effectId: number;
  taskId: string;
  key: string;
  workflow: WorkflowRef;
  input: Json;
  await: boolean;
  cache?: CacheRequest;
}

export interface CancelEffect {
  type: 'CancelEffect';
  effectId: number;
}

export interface CompleteExecution {
  type: 'CompleteExecution';
  output: Json;
}

export interface FaultExecution {
  type: 'FaultExecution';
  error: Problem;
}

/** The execution acknowledged a cancel request: in-flight effects were cancelled. */
export interface CancelExecution {
  type: 'CancelExecution';
  reason?: string;
}

export type Command =
  | ScheduleCall
  | ScheduleEmit
  | ScheduleTimer
  | ScheduleListen
  | ScheduleChild
  | CancelEffect
  | CompleteExecution
  | FaultExecution
  | CancelExecution;
