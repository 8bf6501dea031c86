// `fork`: branches run concurrently (their effects are scheduled together). Output: the
// array of branch outputs in branch order. `compete: true`: the first branch to settle
// decides (its output, or its error) and the others are cancelled. weft `quorum: N`:
// complete when N branches completed (the rest cancelled), output = those N outputs in
// branch order; the fork faults once N can no longer be reached.
//
// Decision (the spec: `end` "ends the workflow", with no exception for forks): a branch
// that ends through `then: end` ends the execution at once. The other branches are
// cancelled (their `finally` blocks run), the fork's output is the data of the branch
// that ended (as `then: break` gives the data at that point), the fork's own output.as
// and export.as apply, then `end` passes up through every enclosing task.

import type { Json } from '../../history/events.js';
import type { ForkIR } from '../../dsl/ir.js';
import type { KindResult, TaskEnv } from '../env.js';
import type { Co, Outcome } from '../instructions.js';
import { each, join } from '../instructions.js';

interface Branch {
  output: Json;
  ended: boolean;
}

const ended = (value: unknown): boolean => (value as Branch).ended;

export function* runFork(env: TaskEnv<ForkIR>): Co<KindResult> {
  const { task } = env;
  const branches = task.branches.tasks;
  const children = branches.map(
    (branch) =>
      function* (): Co<Branch> {
        const r = yield* env.runTask(branch, env.input, env.scope);
        return { output: r.output, ended: r.then.kind === 'end' };
      },
  );
  const n = branches.length;
  const need = task.compete ? 1 : (task.quorum ?? n);
  const tolerate = task.quorum !== undefined && !task.compete ? n - need : 0;
  const outcomes = yield* join(each(children), need, tolerate, Infinity, ended);
  const done = outcomes.filter((o): o is Outcome => o !== undefined);
  const end = done.find((o) => o.ok && ended(o.value));
  if (end?.ok) return { output: (end.value as Branch).output, then: { kind: 'end' } };
  const failure = done.find((o) => !o.ok);
  const successes = done.filter((o) => o.ok).length;
  if (successes < Math.min(need, n) && failure && !failure.ok) throw failure.error;
  const outputs = outcomes.flatMap((o) => (o?.ok ? [(o.value as Branch).output] : []));
  const output: Json = task.compete ? (outputs[0] ?? null) : outputs;
  return { output };
}
