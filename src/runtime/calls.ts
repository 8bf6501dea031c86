// Dispatch of a ScheduleCall to what performs it: `http`, `openapi`, or a registered
// TypeScript function. Returns the result or throws (a ProblemError, or an AbortError
// when the signal fired).
import type { ScheduleCall } from '../core/commands.js';
import type { Json } from '../history/events.js';
import type { FunctionRegistry } from './functions.js';
import type { HostMap } from './hostmap.js';
import { callHttp } from './http/index.js';
import { type DocumentLoader, callOpenApi } from './openapi/index.js';
import { ProblemError, problem, toProblem } from './problems.js';

export interface CallEnvironment {
  executionId: string;
  functions: FunctionRegistry;
  hostMap: HostMap;
  loader: DocumentLoader;
  secrets: Record<string, Json>;
  authentications?: Record<string, Json>;
  idempotencyHeader?: string;
}

/**
 * Cancellation of one call, its AbortController made only when someone reads `signal`:
 * `new AbortController()` cost ~5 µs per call in the engine benchmark (bench/engine,
 * throughput), and most registered functions never look at their signal.
 */
export class CallCancel {
  private controller: AbortController | undefined;
  private cancelled = false;

  get aborted(): boolean {
    return this.cancelled;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.cancelled) this.controller.abort();
    }
    return this.controller.signal;
  }

  abort(): void {
    this.cancelled = true;
    this.controller?.abort();
  }
}

export async function performCall(
  cmd: ScheduleCall & { input?: Json },
  env: CallEnvironment,
  cancel: CallCancel,
): Promise<Json> {
  if (cmd.call === 'http' || cmd.call === 'openapi') {
    const signal = cancel.signal;
    const ctx = {
      input: cmd.input ?? null,
      hostMap: env.hostMap,
      secrets: env.secrets,
      ...(env.authentications ? { authentications: env.authentications } : {}),
      signal,
      idempotencyKey: cmd.key,
      ...(env.idempotencyHeader ? { idempotencyHeader: env.idempotencyHeader } : {}),
    };
    if (cmd.call === 'http') return callHttp(cmd.args, ctx);
    return callOpenApi(cmd.args, { ...ctx, loader: env.loader });
  }
  const fn = env.functions.get(cmd.call);
  if (!fn)
    throw new ProblemError(
      problem(
        'configuration',
        'Unknown function',
        `call '${cmd.call}' is neither supported nor a registered function`,
      ),
      false,
    );
  try {
    const result = await fn(cmd.args, {
      executionId: env.executionId,
      taskId: cmd.taskId,
      idempotencyKey: cmd.key,
      get signal() {
        return cancel.signal;
      },
    });
    // results are recorded: they must be JSON
    return JSON.parse(JSON.stringify(result ?? null)) as Json;
  } catch (e) {
    if (cancel.aborted) throw e;
    throw e instanceof ProblemError ? e : new ProblemError(toProblem(e));
  }
}
