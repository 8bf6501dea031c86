// Flow directives (`then`) and what a task's check needs to know about its place:
// the expression scope and the names of the tasks in the same list.
import type { Scope } from './expressions.js';
import type { ObjectSpec } from './validate-context.js';
import type { Validation } from './validate-refs.js';
import { didYouMean } from './suggest.js';

const DIRECTIVES = ['continue', 'exit', 'end'];

/** What a task's check needs beyond the task itself. */
export interface TaskPlace {
  scope: Scope;
  /** Names of the tasks in the same list (for `then`), undefined outside a list. */
  siblings: ReadonlySet<string> | undefined;
}

/** A kind's check: returns the spec of its own fields, merged with the base fields. */
export type KindCheck = (
  val: Validation,
  task: Record<string, unknown>,
  path: string,
  name: string,
  place: TaskPlace,
) => ObjectSpec;

/** `then`: continue, exit, end, a task of the same list, or `break` inside a `for`. */
export function checkThen(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  place: TaskPlace,
): void {
  const { ctx } = val;
  if (!ctx.string(v, path, name)) return;
  if (DIRECTIVES.includes(v)) return;
  if (v === 'break') {
    if (!place.scope.inFor) {
      ctx.report(
        path,
        `'${name}' is 'break', but the task is not inside a 'for'; break leaves the nearest enclosing for`,
      );
    } else {
      ctx.extension(path, 'then: break');
    }
    return;
  }
  if (place.siblings === undefined) {
    ctx.report(path, `'${name}' refers to task '${v}', but this task is not in a task list`);
    return;
  }
  if (!place.siblings.has(v)) {
    const hint = didYouMean(v, [...place.siblings, ...DIRECTIVES]);
    ctx.report(
      path,
      `'${name}' refers to task '${v}', which is not in the same task list${hint || `; use continue, exit, end or one of: ${[...place.siblings].join(', ')}`}`,
    );
  }
}
