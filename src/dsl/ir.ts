// The intermediate representation the interpreter (src/core) runs: a validated DSL
// document after compile.ts has resolved everything that can be resolved once:
// - every task carries its JSON-pointer id (/do/0/check/for/do/1/x), its name and kind;
// - `then` targets are indexes into their task list (directives stay directives);
// - `use.*` references (errors, retries, timeouts, authentications, functions) are inline;
// - every jq expression is compiled once; value templates are trees whose literal parts
//   cost nothing to evaluate;
// - durations are milliseconds, or an expression that yields one at run time.
// The IR is plain data plus compiled jq programs; it is immutable once built.

import type { Json, JqProgram } from '../jq/api.js';

export type { Json };

/** A compiled jq expression. `error` is set when the text did not compile (the
 *  validator should have said so; the interpreter raises an expression error). */
export interface Expr {
  text: string;
  program?: JqProgram;
  error?: string;
}

/** A value that may hold `${ }` expressions anywhere inside. */
export type Template =
  | { t: 'lit'; value: Json }
  | { t: 'expr'; expr: Expr }
  | { t: 'obj'; entries: [string, Template][] }
  | { t: 'arr'; items: Template[] };

/** Milliseconds, or an expression yielding a duration (object, ISO 8601 or number of ms). */
export type DurationIR = { ms: number } | { expr: Expr };

export type Then =
  | { kind: 'continue' }
  | { kind: 'exit' }
  | { kind: 'end' }
  | { kind: 'break' }
  | { kind: 'goto'; index: number; name: string };

export interface SchemaIR {
  /** The DSL schema object ({format?, document} or {format?, resource}). */
  schema: Json;
}

export interface TaskCommon {
  /** JSON pointer of the task's object in the document. */
  id: string;
  name: string;
  /** The task as written (for $task.definition). */
  definition: Json;
  if?: Expr;
  inputFrom?: Template;
  inputSchema?: Json;
  outputAs?: Template;
  outputSchema?: Json;
  exportAs?: Template;
  exportSchema?: Json;
  timeout?: DurationIR;
  /** Absent `then` is `continue`. */
  then: Then;
  /** `use.extensions` whose `extend` matches this task's kind, in document order. */
  extensions?: ExtensionIR[];
}

/** One `use.extensions` entry as applied to one task: its lists are compiled under the
 *  task's pointer (`/do/0/a/use/extensions/0/logging/before/0/log`), so the effects
 *  they schedule for different tasks have different ids and keys. */
export interface ExtensionIR {
  name: string;
  when?: Expr;
  before?: TaskList;
  after?: TaskList;
}

export interface TaskList {
  /** JSON pointer of the list (e.g. /do or /do/0/x/do). */
  id: string;
  tasks: TaskIR[];
}

export interface DoIR extends TaskCommon {
  kind: 'do';
  do: TaskList;
}

export interface SetIR extends TaskCommon {
  kind: 'set';
  value: Template;
}

export interface SwitchCaseIR {
  name: string;
  when?: Expr;
  then: Then;
}

export interface SwitchIR extends TaskCommon {
  kind: 'switch';
  cases: SwitchCaseIR[];
}

export interface ForIR extends TaskCommon {
  kind: 'for';
  each: string;
  at: string;
  in?: Expr;
  while?: Expr;
  /** weft extension: iterations in flight together. */
  concurrency?: number;
  do: TaskList;
}

export interface ForkIR extends TaskCommon {
  kind: 'fork';
  branches: TaskList;
  compete: boolean;
  /** weft extension. */
  quorum?: number;
}

export interface ErrorFilterIR {
  type?: string;
  status?: number;
  instance?: string;
  title?: string;
  detail?: string;
}

export interface RetryIR {
  when?: Expr;
  exceptWhen?: Expr;
  delay: DurationIR;
  backoff: 'constant' | 'linear' | 'exponential';
  /** Attempts in all, the first included (DESIGN.md). */
  attemptCount?: number;
  attemptDuration?: DurationIR;
  duration?: DurationIR;
  jitter?: { from: DurationIR; to: DurationIR };
}

export interface CatchIR {
  with?: ErrorFilterIR;
  as: string;
  when?: Expr;
  exceptWhen?: Expr;
  retry?: RetryIR;
  do?: TaskList;
}

export interface TryIR extends TaskCommon {
  kind: 'try';
  try: TaskList;
  catch?: CatchIR;
  /** weft extension. */
  finally?: TaskList;
}

export interface ErrorIR {
  type: Template;
  status: Template;
  title?: Template;
  detail?: Template;
  instance?: Template;
}

export interface RaiseIR extends TaskCommon {
  kind: 'raise';
  error: ErrorIR;
}

export interface WaitIR extends TaskCommon {
  kind: 'wait';
  /** Either a duration or (weft extension) an absolute time. */
  duration?: DurationIR;
  until?: Template;
}

export interface EmitIR extends TaskCommon {
  kind: 'emit';
  /** The event's `with` attributes. */
  event: Template;
}

export interface EventFilterIR {
  with: Template;
  correlate?: Record<string, { from: Expr; expect?: Template }>;
}

export type StrategyIR =
  | { one: EventFilterIR }
  | { any: EventFilterIR[]; until?: Expr | StrategyIR }
  | { all: EventFilterIR[] };

export interface ListenIR extends TaskCommon {
  kind: 'listen';
  to: StrategyIR;
  read: 'data' | 'envelope' | 'raw';
  foreach?: {
    item: string;
    at: string;
    do?: TaskList;
    outputAs?: Template;
    exportAs?: Template;
  };
}

export interface CacheIR {
  key: Expr;
  ttl: DurationIR;
}

export interface RunIR extends TaskCommon {
  kind: 'run';
  /** Only `workflow` runs today; the others raise a configuration error when run. */
  process: 'workflow' | 'script' | 'shell' | 'container';
  workflow?: { namespace: string; name: string; version: string; input?: Template };
  await: boolean;
  cache?: CacheIR;
}

export interface CallIR extends TaskCommon {
  kind: 'call';
  /** http, openapi, grpc..., or a function name. */
  call: string;
  /** The `with` object (authentication references resolved inline). */
  args: Template;
  /** When `call` names an entry of `use.functions`: that task, run with the args as input. */
  function?: TaskIR;
  cache?: CacheIR;
}

export type TaskIR =
  | DoIR
  | SetIR
  | SwitchIR
  | ForIR
  | ForkIR
  | TryIR
  | RaiseIR
  | WaitIR
  | EmitIR
  | ListenIR
  | RunIR
  | CallIR;

export type TaskKindIR = TaskIR['kind'];

export interface CompileDiagnostic {
  path: string;
  message: string;
}

/** One concurrency or rate limit; without `key`, one limit for the whole workflow. */
export interface LimitIR {
  /** JSON pointer of the entry, to name it in errors. */
  path: string;
  /** jq on the start input (`.` and `$input`). */
  key?: Expr;
  limit: number;
}

/** weft extension `limits`: default priority, concurrency and rate limits. */
export interface LimitsIR {
  priority?: number;
  concurrency: LimitIR[];
  /** Admissions (starts) per `periodMs`. */
  rate: (LimitIR & { periodMs: number })[];
}

export interface WorkflowIR {
  document: { dsl: string; namespace: string; name: string; version: string };
  /** The document as written (for $workflow.definition). */
  definition: Json;
  inputSchema?: Json;
  inputFrom?: Template;
  outputAs?: Template;
  outputSchema?: Json;
  timeout?: DurationIR;
  /** weft extension `limits` (docs/extensions.md). */
  limits?: LimitsIR;
  do: TaskList;
  /** Problems compile met (an expression that does not compile...). Empty when valid. */
  diagnostics: CompileDiagnostic[];
}
