// TypeScript functions registered by the embedding application: `call: NAME` invokes
// them with the task's resolved `with` as args. A function returns JSON (or a promise of
// it); it throws `terminal({...})` / `retryable({...})` (problems.ts) to fault with a
// problem of its choice; anything else it throws becomes a runtime error problem.
import type { Json } from '../history/events.js';

export interface FunctionContext {
  executionId: string;
  /** JSON pointer of the calling task. */
  taskId: string;
  /** Stable across retries of the same effect and across recovery: pass it on to the
   *  receiver to make the effect exactly-once end to end. */
  idempotencyKey: string;
  /** Aborted when the call is cancelled (timeout, lost race, execution cancelled). */
  signal: AbortSignal;
}

export type WeftFunction = (args: Json, ctx: FunctionContext) => Json | Promise<Json>;

/** `call` values that are not registered functions. */
export const builtinCalls = new Set(['http', 'openapi', 'grpc', 'asyncapi', 'a2a', 'mcp']);

const namePattern = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

export class FunctionRegistry {
  private readonly fns = new Map<string, WeftFunction>();

  register(name: string, fn: WeftFunction): void {
    if (!namePattern.test(name))
      throw new Error(`function name '${name}' must match ${namePattern}`);
    if (builtinCalls.has(name)) throw new Error(`function name '${name}' is a built-in call type`);
    if (typeof fn !== 'function') throw new Error(`function '${name}' must be a function`);
    this.fns.set(name, fn);
  }

  get(name: string): WeftFunction | undefined {
    return this.fns.get(name);
  }

  has(name: string): boolean {
    return this.fns.has(name);
  }

  names(): string[] {
    return [...this.fns.keys()].sort();
  }
}
