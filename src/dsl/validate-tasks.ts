// Task lists and tasks: the type of a task is decided by its discriminating key
// (call/do/fork/emit/for/listen/raise/run/set/switch/try/wait), then that type's
// fields are checked. This is what keeps messages short: the official schema's
// `oneOf` over twelve task types reports a failure per branch ("must have required
// property 'call'" ... for a typo in `set`); we say "unknown task type 'sett'; did
// you mean 'set'?".
//
// Flow checks the schema cannot make live here too: task names unique in their list,
// `then` targets that exist in the same list (or continue/exit/end, or `break` inside
// a `for`).
import { TASK_KINDS } from './document.js';
import type { TaskKind } from './document.js';
import type { Scope } from './expressions.js';
import { describe, isObject } from './validate-context.js';
import type { Check } from './validate-context.js';
import { checkThen } from './validate-flow.js';
import type { TaskPlace } from './validate-flow.js';
import { checkDataFlow } from './validate-dataflow.js';
import { checkTimeoutOrReference } from './validate-errors.js';
import type { Validation } from './validate-refs.js';
import { checkExpression } from './validate-values.js';
import { didYouMean } from './suggest.js';
import { kindChecks } from './validate-kinds.js';

const BASE_KEYS = ['if', 'input', 'output', 'export', 'timeout', 'then', 'metadata'];

export function checkTaskList(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope,
): void {
  const { ctx } = val;
  if (!Array.isArray(v)) {
    ctx.report(path, `'${name}' must be a list of tasks, got ${describe(v)}`);
    return;
  }
  const entries: [string, unknown, string][] = [];
  const seen = new Set<string>();
  v.forEach((item, i) => {
    const itemPath = `${path}/${i}`;
    if (!isObject(item)) {
      ctx.report(
        itemPath,
        `each item of '${name}' must be a mapping of one task name to its task, got ${describe(item)}`,
      );
      return;
    }
    const keys = Object.keys(item);
    if (keys.length !== 1) {
      ctx.report(
        itemPath,
        keys.length === 0
          ? `item ${i} of '${name}' is empty; expected one task name and its task`
          : `item ${i} of '${name}' has ${keys.length} keys (${keys.join(', ')}); each item holds exactly one task (indent the task's fields under its name)`,
      );
      return;
    }
    const taskName = keys[0]!;
    const taskPath = `${itemPath}/${taskName.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (taskName === '') {
      ctx.report(taskPath, `item ${i} of '${name}' has an empty task name`);
    } else if (['continue', 'exit', 'end', 'break'].includes(taskName)) {
      ctx.report(
        taskPath,
        `task name '${taskName}' is also a flow directive: 'then: ${taskName}' means the directive, never this task`,
        'warning',
      );
    }
    if (seen.has(taskName)) {
      ctx.report(
        taskPath,
        `task name '${taskName}' is used twice in '${name}'; task names must be unique in their list`,
      );
    }
    seen.add(taskName);
    entries.push([taskName, item[taskName], taskPath]);
  });
  for (const [taskName, task, taskPath] of entries) {
    checkTask(val, task, taskPath, taskName, { scope, siblings: seen });
  }
}

/** Decides the task's type from its discriminating key, then checks its fields. */
export function checkTask(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  place: TaskPlace,
): void {
  const { ctx } = val;
  if (!isObject(v)) {
    ctx.report(path, `task '${name}' must be a mapping, got ${describe(v)}`);
    return;
  }
  // `do` is also a field of `for`: a `for` with its `do` is one for task.
  const kinds = Object.keys(v).filter(
    (k): k is TaskKind => (TASK_KINDS as string[]).includes(k) && !(k === 'do' && 'for' in v),
  );
  const kind: TaskKind | undefined = kinds.length === 1 ? kinds[0] : undefined;
  if (kind === undefined) {
    if (kinds.length > 1) {
      ctx.report(
        path,
        `task '${name}' has ${kinds.map((k) => `'${k}'`).join(' and ')}; a task has exactly one type`,
      );
      return;
    }
    const unknown = Object.keys(v).filter((k) => !BASE_KEYS.includes(k));
    const guess = unknown.map((k) => [k, didYouMean(k, TASK_KINDS)] as const).find(([, h]) => h);
    if (guess) {
      ctx.report(`${path}/${guess[0]}`, `unknown task type '${guess[0]}'${guess[1]}`);
    } else if (unknown.length > 0) {
      ctx.report(
        `${path}/${unknown[0]}`,
        `unknown task type '${unknown[0]}' in task '${name}'; expected one of ${TASK_KINDS.join(', ')}`,
      );
    } else {
      ctx.report(path, `task '${name}' has no task type; expected one of ${TASK_KINDS.join(', ')}`);
    }
    return;
  }
  const own = kindChecks[kind](val, v, path, name, place);
  const { scope } = place;
  const base: Record<string, Check> = {
    if: (x, p, n) => checkExpression(val, x, p, n, scope),
    input: (x, p, n) => checkDataFlow(val, x, p, n, scope, 'from'),
    output: (x, p, n) => checkDataFlow(val, x, p, n, scope, 'as'),
    export: (x, p, n) => checkDataFlow(val, x, p, n, scope, 'as'),
    timeout: (x, p, n) => checkTimeoutOrReference(val, x, p, n, scope),
    then: (x, p, n) => checkThen(val, x, p, n, place),
    metadata: (x, p, n) => ctx.expectObject(x, p, n),
  };
  ctx.object(v, path, name, {
    misplaced: {
      cache: `'cache' is allowed on call and run tasks only, not on a ${kind} task`,
      finally: `'finally' is allowed on try tasks only, not on a ${kind} task`,
      catch: `'catch' is allowed on try tasks only, not on a ${kind} task`,
      while: `'while' is allowed on for tasks only, not on a ${kind} task`,
    },
    ...own,
    props: { ...base, ...own.props },
    required: [kind, ...(own.required ?? [])],
  });
}
