// `listen`: ScheduleListen with the resolved strategy, then events arrive as
// EventReceived. The core decides when the strategy is satisfied and then cancels the
// listen (CancelEffect). Events that match no filter are ignored (not consumed).
//   one: the first matching event.  all: one event per filter (output in filter order).
//   any: without `until`, the first matching event (an empty list matches any event);
//        with `until` (an expression evaluated on the array of consumed events, or a
//        strategy whose satisfaction stops the listen), every matching event until then.
// Output: the consumed events, as `read` says: data (default), envelope (the whole
// CloudEvent) or raw (the data as delivered). With `foreach`, each consumed event runs
// the iterator's `do` (with $item/$index or its names) as it arrives, and the output is
// the array of the iterations' outputs.

import type { CloudEvent, Json } from '../../history/events.js';
import type { ListenIR } from '../../dsl/ir.js';
import type { KindResult, TaskEnv } from '../env.js';
import { evalTemplate } from '../evaluate.js';
import type { Co } from '../instructions.js';
import { cancelEffect, fire, nextEvent } from '../instructions.js';
import { effectKey, withIter, withVars } from '../state.js';
import { consume, learn, read, resolve, satisfied, toJson } from './listen-strategy.js';

export function* runListen(env: TaskEnv<ListenIR>): Co<KindResult> {
  const { rt, task, scope } = env;
  const strategy = resolve(env, task.to);
  const key = effectKey(rt, task.id, scope);
  const listenId = yield* fire((effectId) => ({
    type: 'ScheduleListen',
    effectId,
    taskId: task.id,
    key,
    strategy: toJson(strategy),
    read: task.read,
  }));
  const consumed: CloudEvent[] = [];
  const outputs: Json[] = [];
  const matched = new Set<number>();
  const untilState = new Set<number>();
  try {
    for (;;) {
      const event = yield* nextEvent(listenId);
      const take = consume(env, strategy, event, matched, untilState);
      if (take === 'skip') continue;
      if (take !== 'stop') {
        consumed.push(event);
        learn(env, strategy, event);
        if (task.foreach) outputs.push(yield* iterate(env, read(task, event), consumed.length - 1));
      }
      if (take === 'stop' || satisfied(env, strategy, consumed, matched)) break;
    }
  } finally {
    // Satisfied, faulted (a foreach task, a filter expression) or cancelled while a
    // foreach task waited: the listen stops. A no-op when the scheduler already
    // cancelled it (cancelled while waiting for an event).
    yield* cancelEffect(listenId);
  }
  if (task.foreach) return { output: outputs };
  return { output: consumed.map((e) => read(task, e)) };
}

function* iterate(env: TaskEnv<ListenIR>, item: Json, index: number): Co<Json> {
  const f = env.task.foreach;
  if (!f) return item;
  const scope = withIter(withVars(env.scope, { [f.item]: item, [f.at]: index }), `e${index}`);
  let out = f.do ? (yield* env.runList(f.do, env.input, scope)).output : item;
  if (f.outputAs) out = evalTemplate(env.rt, f.outputAs, out, scope, env.frame);
  if (f.exportAs)
    env.rt.context = evalTemplate(env.rt, f.exportAs, out, scope, { ...env.frame, output: out });
  return out;
}
