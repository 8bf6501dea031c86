// What the compile of one document carries along, and helpers every part shares.

import type { DurationIR, TaskIR, TaskList } from './ir.js';
import type { ExprContext } from './compile-expr.js';
import { compileDuration } from './compile-duration.js';

export type Obj = Record<string, unknown>;

export interface TaskContext extends ExprContext {
  /** The document's `use` section (references are resolved inline). */
  use: Obj;
  /** Names of functions being compiled (cycle guard). */
  functionStack: string[];
  /** > 0 while compiling extension lists or functions: those tasks are not extended. */
  extensionDepth: number;
  /** Compile a nested task list / task (passed in, so the per-kind files import no cycle). */
  list(items: unknown, path: string, vars: readonly string[], inFor: boolean): TaskList;
  task(name: string, body: unknown, id: string, vars: readonly string[], inFor: boolean): TaskIR;
}

/** The `$variables` every expression may use. */
export const BASE_VARIABLES = [
  'context',
  'input',
  'output',
  'workflow',
  'task',
  'runtime',
  'secrets',
  'authorization',
] as const;

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function compileTimeout(
  cx: TaskContext,
  value: unknown,
  vars: readonly string[],
  path: string,
): DurationIR | undefined {
  if (value === undefined) return undefined;
  let t = value;
  if (typeof value === 'string') {
    const named = isObj(cx.use.timeouts) ? cx.use.timeouts[value] : undefined;
    if (!isObj(named)) {
      cx.diagnostics.push({ path, message: `timeout '${value}' is not defined in use.timeouts` });
      return undefined;
    }
    t = named;
  }
  return isObj(t) ? compileDuration(cx, t.after, vars, `${path}/after`) : undefined;
}
