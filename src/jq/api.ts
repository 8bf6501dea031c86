// The one interface through which the rest of weft uses jq (DESIGN.md: expressions
// are jq). compile(text) -> diagnostics or a program; program(input, variables) ->
// outputs or a jq error. Pure: no IO, no clock except the injected one.

/** A JSON value as jq sees it. Objects are plain objects with no prototype tricks. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface JqDiagnostic {
  /** 1-based line and column inside the expression text. */
  line: number;
  col: number;
  /** Offset into the expression text (0-based). */
  offset: number;
  message: string;
}

export interface JqLimits {
  /** Evaluation steps one run may take before it fails with a jq error. */
  maxSteps: number;
  /** Nesting depth of function calls / recursion. */
  maxDepth: number;
  /** Number of outputs one run may produce. */
  maxOutputs: number;
  /** Largest string (in UTF-16 units) or array (in items) a run may build. */
  maxLength: number;
}

export interface CompileOptions {
  /** Names of the `$variables` the program may reference (without the `$`). */
  variables?: readonly string[];
  limits?: Partial<JqLimits>;
}

export interface RunOptions {
  /** Milliseconds since the epoch, for `now`; omitting it makes `now` a jq error. */
  now?: number;
}

export interface JqProgram {
  readonly text: string;
  /** All outputs, in order. Throws JqError on a runtime error or a crossed limit. */
  run(input: Json, variables?: Readonly<Record<string, Json>>, options?: RunOptions): Json[];
  /** The first output, or undefined when there is none (cheaper than run()). */
  first(
    input: Json,
    variables?: Readonly<Record<string, Json>>,
    options?: RunOptions,
  ): Json | undefined;
}

export type CompileResult =
  { ok: true; program: JqProgram } | { ok: false; diagnostics: JqDiagnostic[] };

/** A jq runtime error: `error(value)`, a type error, or a crossed limit. */
export class JqError extends Error {
  constructor(
    message: string,
    /** The value passed to `error`, or the message as a string. */
    readonly value: Json = message,
    /** 'limit' when a sandbox limit was crossed. */
    readonly kind: 'error' | 'limit' = 'error',
  ) {
    super(message);
    this.name = 'JqError';
  }
}
