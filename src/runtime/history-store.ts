// The seam between the runtime and durable storage. The runtime needs only this: append
// the events of one step of an execution (one call = one transaction: the outcome of an
// effect together with the ...Started events of the effects it caused), and load an
// execution's history back. The in-memory implementation below serves `weft run` and
// tests today; the SQLite store (src/store/) plugs in behind the same two methods.
import type { HistoryEvent } from '../history/events.js';

export interface AppendOptions {
  /**
   * The step leaves the execution waiting for timers only: the durable engine unloads it
   * in the same commit, its run item due at this time (claims.ts). Others ignore it.
   */
  runDueAt?: number;
  /**
   * The runner making the append. The durable engine writes it only while the history
   * was last loaded for this runner (lanes.ts); others ignore it.
   */
  runner?: object;
}

export interface HistoryStore {
  /** Appends `events` to the execution's history, atomically and in order. A durable
   *  store resolves with the sequence number of the first event (history starts at 1). */
  append(
    executionId: string,
    events: readonly HistoryEvent[],
    options?: AppendOptions,
  ): Promise<void | number>;
  /** The execution's whole history, oldest first ([] when unknown). */
  load(executionId: string): Promise<HistoryEvent[]>;
}

export class MemoryHistoryStore implements HistoryStore {
  private readonly histories = new Map<string, HistoryEvent[]>();

  append(executionId: string, events: readonly HistoryEvent[]): Promise<void> {
    let h = this.histories.get(executionId);
    if (!h) this.histories.set(executionId, (h = []));
    h.push(...events);
    return Promise.resolve();
  }

  load(executionId: string): Promise<HistoryEvent[]> {
    return Promise.resolve([...(this.histories.get(executionId) ?? [])]);
  }
}
