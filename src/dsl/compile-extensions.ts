// `use.extensions` -> the ExtensionIR list of each task they extend. `extend` is matched
// at compile time (`all`, a task kind, or `composite` for do and fork); `when` is
// evaluated when the task runs. Tasks of extension lists and of functions are not
// extended themselves (no recursion).

import type { ExtensionIR, TaskIR } from './ir.js';
import { compileExprField, escapePointer } from './compile-expr.js';
import type { TaskContext } from './compile-context.js';
import { isObj } from './compile-context.js';

function applies(extend: unknown, kind: TaskIR['kind']): boolean {
  if (extend === 'all' || extend === kind) return true;
  return extend === 'composite' && (kind === 'do' || kind === 'fork');
}

export function compileExtensions(
  cx: TaskContext,
  task: TaskIR,
  vars: readonly string[],
): ExtensionIR[] {
  const items = Array.isArray(cx.use.extensions) ? cx.use.extensions : [];
  const out: ExtensionIR[] = [];
  cx.extensionDepth++;
  items.forEach((item, i) => {
    const entry = isObj(item) ? Object.entries(item)[0] : undefined;
    if (!entry || !isObj(entry[1]) || !applies(entry[1].extend, task.kind)) return;
    const [name, e] = entry;
    const base = `${task.id}/use/extensions/${i}/${escapePointer(name)}`;
    const ext: ExtensionIR = { name };
    const when = compileExprField(cx, e.when, vars, `${base}/when`);
    if (when) ext.when = when;
    if (e.before !== undefined) ext.before = cx.list(e.before, `${base}/before`, vars, false);
    if (e.after !== undefined) ext.after = cx.list(e.after, `${base}/after`, vars, false);
    out.push(ext);
  });
  cx.extensionDepth--;
  return out;
}
