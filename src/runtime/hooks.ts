// The engine's typed event map (STYLE.md 12: `noun:verb` keys): what tests, the CLI, logs
// and, later, the WebSocket stream observe. Listeners run synchronously and must not
// throw (a throwing listener is reported on stderr and ignored).
import type { CloudEvent, HistoryEvent, Json, Problem, WorkflowRef } from '../history/events.js';

export interface EngineEvents {
  'execution:started': {
    executionId: string;
    workflow: WorkflowRef;
    parentId?: string;
    /** Its ExecutionStarted event (history seq 1). */
    started: HistoryEvent;
  };
  'execution:completed': { executionId: string; output: Json };
  'execution:faulted': { executionId: string; error: Problem };
  'execution:cancelled': { executionId: string; reason?: string };
  /** Events appended to an execution's history (one step). */
  'history:appended': {
    executionId: string;
    events: readonly HistoryEvent[];
    /** Sequence number of events[0] when the history is in a Store (durable engine). */
    firstSeq?: number;
  };
  /** A stored CloudEvent reached this engine (durable engine: each once, in seq order). */
  'event:arrived': { seq: number; event: CloudEvent; storedAt: number };
  /**
   * This process stopped driving the execution because a commit was refused: another
   * worker holds it now (its claim lapsed here: a pause past the lease), or the store
   * closed. Nothing of the refused step was written.
   */
  'execution:lost': { executionId: string; reason: string };
  /** A task began (pure tasks included), when the interpreter reports it. */
  'task:started': { executionId: string; taskId: string; name: string };
  /** A task ended: phase is completed, faulted, cancelled or skipped (its `if` was false). */
  'task:ended': { executionId: string; taskId: string; name: string; phase: string };
}

export type EngineEventName = keyof EngineEvents;
type Listener<K extends EngineEventName> = (payload: EngineEvents[K]) => void;

export class Hooks {
  private readonly listeners = new Map<EngineEventName, Set<Listener<any>>>();

  on<K extends EngineEventName>(name: K, fn: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  /** Whether anyone listens: callers skip building a payload nobody reads (hot paths). */
  has(name: EngineEventName): boolean {
    const set = this.listeners.get(name);
    return set !== undefined && set.size > 0;
  }

  emit<K extends EngineEventName>(name: K, payload: EngineEvents[K]): void {
    const set = this.listeners.get(name);
    if (set === undefined || set.size === 0) return;
    for (const fn of set) {
      try {
        fn(payload);
      } catch (e) {
        process.stderr.write(`weft: a '${name}' listener threw: ${String(e)}\n`);
      }
    }
  }
}
