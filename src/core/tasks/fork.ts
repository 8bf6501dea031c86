// `fork`: branches run concurrently (their effects are scheduled together). Output: the
// array of branch outputs in branch order. `compete: true`: the first branch to settle
// decides (its output, or its error) and the others are cancelled. weft `quorum: N`:
// complete when N branches completed (the rest cancelled), output = those N outputs in
// branch order; the fork faults once N can no longer be reached. A branch's `then: end`
// ends the workflow after the fork.

import type { Json } from '../../history/events.js';
import type { ForkIR } from '../../dsl/ir.js';
import type { KindResult, TaskEnv } from '../env.js';
import type { Co, Outcome } from '../instructions.js';
import { each, join } from '../instructions.js';

export function* runFork(env: TaskEnv<ForkIR>): Co<KindResult> {
  const { task } = env;
  const branches = task.branches.tasks;
  let ended = false;
  const children = branches.map(
    (branch) =>
      function* (): Co<Json> {
        const r = yield* env.runTask(branch, env.input, env.scope);
        if (r.then.kind === 'end') ended = true;
        return r.output;
      },
  );
  const n = branches.length;
  const need = task.compete ? 1 : (task.quorum ?? n);
  const tolerate = task.quorum !== undefined && !task.compete ? n - need : 0;
  const outcomes = yield* join(each(children), need, tolerate);
  const done = outcomes.filter((o): o is Outcome => o !== undefined);
  const failure = done.find((o) => !o.ok);
  const successes = done.filter((o) => o.ok).length;
  if (successes < Math.min(need, n) && failure && !failure.ok) throw failure.error;
  const outputs = outcomes.flatMap((o) => (o?.ok ? [o.value as Json] : []));
  const output: Json = task.compete ? (outputs[0] ?? null) : outputs;
  return ended ? { output, then: { kind: 'end' } } : { output };
}
