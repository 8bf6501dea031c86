// One task through the data flow of the spec (dsl.md "Data Flow"):
//   input.schema (raw input) -> input.from ($input) -> if -> the task (under its timeout)
//   -> output.as -> output.schema -> export.as (replaces $context) -> export.schema -> then
// and task lists with their flow directives (continue, exit, end, break, goto).

import type { Json } from '../history/events.js';
import type { ExtensionIR, TaskIR, TaskList, Then } from '../dsl/ir.js';
import type { KindResult, ListResult, TaskEnv } from './env.js';
import { resolveMs } from './env.js';
import type { Frame } from './evaluate.js';
import { evalTemplate, test } from './evaluate.js';
import { CancelSignal, fault } from './problems.js';
import type { Co } from './instructions.js';
import type { Rt, Scope } from './state.js';
import { dateTime, trace, withIter, withVars } from './state.js';
import { withTimeout } from './timeout.js';
import { runKind } from './tasks/index.js';
import { tick } from './steps.js';

export interface TaskResult {
  output: Json;
  then: Then;
}

export function* runTaskList(rt: Rt, list: TaskList, input: Json, scope: Scope): Co<ListResult> {
  let data = input;
  let i = 0;
  // A task re-entered through a `then` goto gets a repeat counter in its iteration, so
  // its effects keep unique, replay-stable keys.
  const visits = new Map<number, number>();
  while (i < list.tasks.length) {
    const task = list.tasks[i];
    if (!task) break;
    const visit = visits.get(i) ?? 0;
    visits.set(i, visit + 1);
    const r = yield* runTask(rt, task, data, visit ? withIter(scope, `g${visit}`) : scope);
    data = r.output;
    switch (r.then.kind) {
      case 'continue':
        i++;
        break;
      case 'exit':
        return { output: data, exited: true };
      case 'end':
        return { output: data, signal: 'end' };
      case 'break':
        return { output: data, signal: 'break' };
      case 'goto':
        i = r.then.index;
        break;
    }
  }
  return { output: data };
}

export function* runTask(rt: Rt, task: TaskIR, rawInput: Json, scope: Scope): Co<TaskResult> {
  tick(rt, task.id);
  const descriptor: Record<string, Json> = {
    name: task.name,
    reference: task.id,
    definition: task.definition,
    input: rawInput,
    output: null,
    startedAt: dateTime(rt.now),
  };
  const frame: Frame = { where: task.id, task: descriptor, input: rawInput };
  let input: Json;
  try {
    input = transformInput(rt, task, rawInput, scope, frame);
  } catch (e) {
    trace(rt, 'started', task);
    trace(rt, 'faulted', task);
    throw e;
  }
  // The spec (dsl.md "Runtime expression arguments") evaluates `if` on the transformed
  // task input, with $input; a skipped task passes its raw input on.
  if (task.if && !test(rt, task.if, input, scope, frame)) {
    trace(rt, 'skipped', task);
    return { output: rawInput, then: { kind: 'continue' } };
  }
  trace(rt, 'started', task);
  try {
    const result = yield* runStarted(rt, task, input, scope, frame, descriptor);
    trace(rt, 'completed', task);
    return result;
  } catch (e) {
    trace(rt, e instanceof CancelSignal ? 'cancelled' : 'faulted', task);
    throw e;
  }
}

/** input.schema checks the raw input; input.from gives $input. */
function transformInput(rt: Rt, task: TaskIR, rawInput: Json, scope: Scope, frame: Frame): Json {
  validate(rt, task.inputSchema, rawInput, task.id, 'input');
  const input = task.inputFrom
    ? evalTemplate(rt, task.inputFrom, rawInput, scope, frame)
    : rawInput;
  frame.input = input;
  return input;
}

function* runStarted(
  rt: Rt,
  task: TaskIR,
  input: Json,
  scope: Scope,
  frame: Frame,
  descriptor: Record<string, Json>,
): Co<TaskResult> {
  const env: TaskEnv = {
    rt,
    task,
    input,
    scope,
    frame,
    runList: (list, i, s) => runTaskList(rt, list, i, s),
    runTask: (t, i, s) => runTask(rt, t, i, s),
  };
  const ms = task.timeout ? resolveMs(rt, task.timeout, input, scope, frame) : undefined;
  const result: KindResult = yield* withTimeout(rt, ms, task.id, 'timeout', () =>
    task.extensions ? runExtended(env, task.extensions, descriptor) : runKind(env),
  );
  let output = result.output;
  descriptor.output = output;
  frame.output = output;
  const after =
    result.authorization !== undefined
      ? withVars(scope, { authorization: result.authorization })
      : scope;
  if (task.outputAs) output = evalTemplate(rt, task.outputAs, output, after, frame);
  validate(rt, task.outputSchema, output, task.id, 'output');
  if (task.exportAs) {
    frame.output = output;
    rt.context = evalTemplate(rt, task.exportAs, output, after, frame);
    validate(rt, task.exportSchema, rt.context, task.id, 'export');
  }
  checkPayload(rt, output, task.id, input);
  return { output, then: result.then ?? task.then };
}

/** `use.extensions` around a task: each extension whose `when` holds runs its `before`
 *  list on the task input, in document order; a `before` list that ends through `then:
 *  exit` bypasses the task and its output becomes the task's output. Then the task runs,
 *  then each `after` list on the task's output. Outputs of before/after lists are
 *  otherwise discarded (their exports apply). Inside `when` and the lists, `$task` is the
 *  extended task: its descriptor plus the fields of its definition (`$task.reference`,
 *  `$task.with.endpoint`, as in the specification's examples). */
function* runExtended(
  env: TaskEnv,
  extensions: readonly ExtensionIR[],
  descriptor: Record<string, Json>,
): Co<KindResult> {
  const { rt, task, input, frame } = env;
  const definition = isObject(task.definition) ? task.definition : {};
  const scope = withVars(env.scope, { task: { ...definition, ...descriptor } });
  const active = extensions.filter((e) => test(rt, e.when, input, scope, frame));
  for (const e of active) {
    if (!e.before) continue;
    const r = yield* runTaskList(rt, e.before, input, scope);
    if (r.exited) return { output: r.output };
  }
  const result = yield* runKind(env);
  for (const e of active) {
    if (e.after) yield* runTaskList(rt, e.after, result.output, scope);
  }
  return result;
}

function isObject(v: Json): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function validate(
  rt: Rt,
  schema: Json | undefined,
  value: Json,
  where: string,
  what: string,
): void {
  if (schema === undefined || !rt.ctx.validateSchema) return;
  const doc =
    schema !== null && typeof schema === 'object' && !Array.isArray(schema) && 'document' in schema
      ? (schema.document ?? null)
      : schema;
  const errors = rt.ctx.validateSchema(doc, value);
  if (errors && errors.length > 0) {
    throw fault('validation', where, `Invalid ${what}`, errors.join('; '));
  }
}

function checkPayload(rt: Rt, output: Json, where: string, input: Json): void {
  if (output === input || output === null || typeof output !== 'object') {
    if (typeof output !== 'string' || output.length <= rt.limits.maxPayloadChars) return;
  }
  const size = JSON.stringify(output).length;
  if (size > rt.limits.maxPayloadChars) {
    throw fault(
      'runtime',
      where,
      'Payload too large',
      `the output is ${size} characters of JSON, more than limits.maxPayloadChars (${rt.limits.maxPayloadChars})`,
    );
  }
}
