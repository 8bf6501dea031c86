// Validated DSL document -> WorkflowIR (see ir.ts for what is resolved here). Pure.
// Compile assumes the validator ran, but never throws on what it lets through: any
// leftover problem is a diagnostic in `ir.diagnostics`, and the affected expression
// raises an expression error if the interpreter ever evaluates it.

import type { Json } from '../jq/api.js';
import { defaultJq as jqCompile } from './compile-jq.js';
import type { WorkflowIR } from './ir.js';
import type { JqCompile } from './compile-expr.js';
import { compileTransform } from './compile-expr.js';
import type { TaskContext } from './compile-context.js';
import { BASE_VARIABLES, compileTimeout, isObj } from './compile-context.js';
import { compileLimits } from './compile-limits.js';
import { compileTask, compileTaskList } from './compile-task.js';

export type { JqCompile };

export interface CompileWorkflowOptions {
  /** The jq compiler (default: src/jq). Tests may pass another. */
  jq?: JqCompile;
}

export function compileWorkflow(
  document: unknown,
  options: CompileWorkflowOptions = {},
): WorkflowIR {
  const doc = isObj(document) ? document : {};
  const header = isObj(doc.document) ? doc.document : {};
  const cx: TaskContext = {
    jq: options.jq ?? jqCompile,
    diagnostics: [],
    use: isObj(doc.use) ? doc.use : {},
    functionStack: [],
    extensionDepth: 0,
    list: (items, path, vars, inFor) => compileTaskList(cx, items, path, vars, inFor),
    task: (name, body, id, vars, inFor) => compileTask(cx, name, body, id, vars, inFor),
  };
  const vars = BASE_VARIABLES;
  const ir: WorkflowIR = {
    document: {
      dsl: String(header.dsl ?? ''),
      namespace: String(header.namespace ?? ''),
      name: String(header.name ?? ''),
      version: String(header.version ?? ''),
    },
    definition: doc as Json,
    do: compileTaskList(cx, doc.do, '/do', vars, false),
    diagnostics: cx.diagnostics,
  };
  const input = isObj(doc.input) ? doc.input : {};
  if (input.schema !== undefined) ir.inputSchema = input.schema as Json;
  const from = compileTransform(cx, input.from, vars, '/input/from');
  if (from) ir.inputFrom = from;
  const output = isObj(doc.output) ? doc.output : {};
  const as = compileTransform(cx, output.as, vars, '/output/as');
  if (as) ir.outputAs = as;
  if (output.schema !== undefined) ir.outputSchema = output.schema as Json;
  const timeout = compileTimeout(cx, doc.timeout, vars, '/timeout');
  if (timeout) ir.timeout = timeout;
  const limits = compileLimits(cx, doc.limits);
  if (limits) ir.limits = limits;
  return ir;
}
