// The root fiber: workflow input (input.schema on the raw input, then input.from), the
// top-level task list under the workflow timeout, then output.as and output.schema.

import type { Json } from '../history/events.js';
import { resolveMs } from './env.js';
import type { Frame } from './evaluate.js';
import { evalTemplate } from './evaluate.js';
import { runTaskList, validate } from './run-task.js';
import type { Co } from './instructions.js';
import type { Rt, Scope } from './state.js';
import { withTimeout } from './timeout.js';

/** Pointer used for errors and timers that belong to the workflow itself. */
export const WORKFLOW_POINTER = '/';

export function* runWorkflow(rt: Rt, rawInput: Json): Co<Json> {
  const ir = rt.ir;
  const scope: Scope = { vars: {}, iter: '' };
  const frame: Frame = { where: WORKFLOW_POINTER, input: rawInput };
  validate(rt, ir.inputSchema, rawInput, WORKFLOW_POINTER, 'workflow input');
  const input = ir.inputFrom ? evalTemplate(rt, ir.inputFrom, rawInput, scope, frame) : rawInput;
  frame.input = input;
  const ms = ir.timeout ? resolveMs(rt, ir.timeout, input, scope, frame) : undefined;
  const result = yield* withTimeout(rt, ms, WORKFLOW_POINTER, 'workflow-timeout', () =>
    runTaskList(rt, ir.do, input, scope),
  );
  frame.output = result.output;
  const output = ir.outputAs
    ? evalTemplate(rt, ir.outputAs, result.output, scope, frame)
    : result.output;
  validate(rt, ir.outputSchema, output, WORKFLOW_POINTER, 'workflow output');
  return output;
}
