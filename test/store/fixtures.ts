// Builders shared by the store tests: workflows, ExecutionStarted events and a few
// history events, with fixed times (tests never read the clock).

import type { HistoryEvent, Json } from '../../src/history/events.js';
import type { NewExecution, NewWorkflow, Store } from '../../src/store/index.js';

export const T0 = 1_700_000_000_000;

export function workflow(version = '1.0.0', source = `version ${version}`): NewWorkflow {
  return {
    namespace: 'test',
    name: 'orders',
    version,
    hash: `sha256:${source.length}:${source}`,
    source,
    createdAt: T0,
  };
}

export function newExecution(
  id: string,
  wf: NewWorkflow,
  extra: Partial<Omit<NewExecution, 'startedEvent'>> & { time?: number } = {},
): NewExecution {
  const ref = { namespace: wf.namespace, name: wf.name, version: wf.version, hash: wf.hash };
  const input: Json = extra.input ?? { id };
  const startedEvent: HistoryEvent = {
    type: 'ExecutionStarted',
    v: 1,
    time: extra.time ?? T0,
    workflow: ref,
    input,
    seed: `seed-${id}`,
    ...(extra.idempotencyKey === undefined ? {} : { idempotencyKey: extra.idempotencyKey }),
  };
  const { time: _time, ...rest } = extra;
  return { id, workflow: ref, input, startedEvent, ...rest };
}

/** Registers the default workflow and starts `ids`; returns the workflow. */
export async function seed(store: Store, ids: string[]): Promise<NewWorkflow> {
  const wf = workflow();
  await store.putWorkflow(wf);
  for (const [i, id] of ids.entries()) {
    await store.createExecution(newExecution(id, wf, { time: T0 + i }));
  }
  return wf;
}

export function taskCompleted(effectId: number, result: Json = null, time = T0): HistoryEvent {
  return { type: 'TaskCompleted', v: 1, time, effectId, result };
}

export function taskStarted(effectId: number, time = T0): HistoryEvent {
  return {
    type: 'TaskStarted',
    v: 1,
    time,
    effectId,
    taskId: `/do/${effectId}/call`,
    kind: 'call',
    key: `e/do/${effectId}/0`,
    request: { n: effectId },
  };
}
