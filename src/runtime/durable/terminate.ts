// Terminate (docs/guarantees.md "Cancel and terminate"): an execution ends at once,
// recorded as ExecutionCancelled with `terminated: true`, and nothing more of it runs: no
// finally block, no effect. A cancel asks the execution to stop and waits for its finally
// blocks, which may wait for a long time (a listen, a call that hangs); terminate is what
// an operator uses then, and on an execution nobody can drive.
//
// The record is one commit against the execution's current sequence number, written by
// whichever process is asked, like a request (remote.ts): a process that drove the
// execution finds its next commit refused (a terminal execution has no run item to hold,
// and its sequence number moved on) and drops it; a call it has in flight runs to its end
// but its outcome is never recorded. The children whose effect was in flight end the same
// way, then theirs.
import type { ExecutionCancelled, HistoryEvent } from '../../history/events.js';
import { recordedEffects } from '../../history/events.js';
import { SequenceMismatchError } from '../../store/errors.js';
import type { ExecutionRecord, Store } from '../../store/types.js';
import type { Hooks } from '../hooks.js';
import { outcomeOf } from './failures.js';

export interface Terminated {
  /** The execution's record after it: unchanged when it had ended already. */
  record: ExecutionRecord;
  /** Child executions whose effect was in flight: to be terminated in turn. */
  children: string[];
}

/** The children of `history` whose ChildStarted has no outcome recorded. */
function childrenInFlight(history: readonly HistoryEvent[]): string[] {
  const { settled } = recordedEffects(history);
  return history.flatMap((e) =>
    e.type === 'ChildStarted' && !settled.has(e.effectId) ? [e.childExecutionId] : [],
  );
}

/**
 * Records the end of execution `id`, retrying when another writer commits meanwhile.
 * Undefined when the store does not know `id`.
 */
export async function recordTermination(
  store: Store,
  hooks: Hooks,
  id: string,
  now: number,
  reason?: string,
): Promise<Terminated | undefined> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const record = await store.getExecution(id);
    if (!record) return undefined;
    if (outcomeOf(record.status)) return { record, children: [] };
    const event: ExecutionCancelled = {
      v: 1,
      type: 'ExecutionCancelled',
      time: now,
      terminated: true,
      ...(reason !== undefined ? { reason } : {}),
    };
    try {
      await store.commit({
        now,
        writes: [
          {
            executionId: id,
            expectedNextSeq: record.nextSeq,
            events: [event],
            status: { state: 'cancelled', ...(reason !== undefined ? { reason } : {}) },
          },
        ],
      });
    } catch (e) {
      if (e instanceof SequenceMismatchError) continue; // a step landed meanwhile: again
      throw e;
    }
    hooks.emit('history:appended', { executionId: id, events: [event], firstSeq: record.nextSeq });
    const history = (await store.loadHistory(id)).map((r) => r.event);
    const ended = (await store.getExecution(id)) ?? record;
    return { record: ended, children: childrenInFlight(history) };
  }
  throw new Error(`execution ${id}: could not record its termination (too much contention)`);
}
