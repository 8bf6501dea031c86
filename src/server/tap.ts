// The history tap: the runtime's HistoryStore seam (src/runtime/history-store.ts) put
// in front of the Store, so the server (1) creates executions itself, synchronously
// answering idempotent starts, and (2) sees every committed event with its sequence
// number, for the WebSocket streams.
//
// Starting: the adapter announces an execution id with expectStart() and then calls
// engine.start(). The runner's first append begins with ExecutionStarted (its real seed
// and time): the tap turns it into Store.createExecution. When the idempotency key had
// already started another execution (created: false), the append is refused: the
// runner records nothing and launches no effect (it launches only after an append),
// and the tap swallows whatever that runner appends afterwards.
//
// Sequence numbers: appends of one execution arrive in order (the runner serialises
// its steps), so the tap numbers events at append time and publishes them, in that
// order, once the store has committed them.
import type { HistoryEvent, WorkflowRef } from '../history/events.js';
import type { HistoryStore } from '../runtime/history-store.js';
import { StoreHistoryAdapter } from '../store/history-adapter.js';
import type { CreatedExecution, Json, Store } from '../store/types.js';
import type { SequencedEvent } from './port.js';

interface Lane {
  next: number;
  workflow: WorkflowRef;
  /** Publication chain: events are published in append order. */
  chain: Promise<void>;
}

interface PendingStart {
  resolve: (r: CreatedExecution) => void;
  reject: (e: unknown) => void;
}

const terminal = new Set(['ExecutionCompleted', 'ExecutionFaulted', 'ExecutionCancelled']);

/** Thrown into a duplicate start's runner: its execution already exists under another id. */
export class DuplicateStartError extends Error {}

export class HistoryTap implements HistoryStore {
  private readonly inner: StoreHistoryAdapter;
  private readonly pending = new Map<string, PendingStart>();
  private readonly dropped = new Set<string>();
  private readonly lanes = new Map<string, Lane>();
  private readonly listeners = new Set<(e: SequencedEvent) => void>();

  constructor(
    private readonly store: Store,
    now: () => number,
  ) {
    this.inner = new StoreHistoryAdapter(store, { now });
  }

  /** The next append of `id` creates it; the promise says whether it was new. */
  expectStart(id: string): Promise<CreatedExecution> {
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  /** engine.start() threw: nothing will be appended for `id`. */
  forget(id: string): void {
    this.pending.delete(id);
  }

  onCommitted(listener: (e: SequencedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  load(executionId: string): Promise<HistoryEvent[]> {
    return this.inner.load(executionId);
  }

  async append(executionId: string, events: readonly HistoryEvent[]): Promise<void> {
    if (this.dropped.has(executionId)) {
      if (events.some((e) => terminal.has(e.type))) this.dropped.delete(executionId);
      return;
    }
    let rest = events;
    const start = this.pending.get(executionId);
    if (start) {
      this.pending.delete(executionId);
      rest = await this.create(executionId, events, start);
    }
    const lane = this.lanes.get(executionId);
    if (!lane) return this.inner.append(executionId, rest);
    const first = lane.next;
    lane.next += rest.length;
    const written = this.inner.append(executionId, rest);
    lane.chain = lane.chain.then(
      () =>
        written.then(
          () => this.publish(executionId, lane.workflow, first, rest),
          () => undefined,
        ),
      () => undefined,
    );
    if (rest.some((e) => terminal.has(e.type))) {
      void lane.chain.then(() => this.lanes.delete(executionId));
    }
    return written;
  }

  private async create(
    id: string,
    events: readonly HistoryEvent[],
    start: PendingStart,
  ): Promise<readonly HistoryEvent[]> {
    const [first, ...rest] = events;
    if (first?.type !== 'ExecutionStarted') {
      const error = new Error(`execution ${id}: the first event is ${first?.type}`);
      start.reject(error);
      throw error;
    }
    let result: CreatedExecution;
    try {
      result = await this.store.createExecution({
        id,
        workflow: first.workflow,
        input: first.input as Json,
        ...(first.idempotencyKey === undefined ? {} : { idempotencyKey: first.idempotencyKey }),
        startedEvent: first,
      });
    } catch (e) {
      this.dropped.add(id);
      start.reject(e);
      throw e;
    }
    if (!result.created) {
      this.dropped.add(id);
      start.resolve(result);
      throw new DuplicateStartError(`execution ${result.execution.id} exists for this key`);
    }
    const { namespace, name, version } = first.workflow;
    const lane: Lane = {
      next: 2,
      workflow: { namespace, name, version },
      chain: Promise.resolve(),
    };
    this.lanes.set(id, lane);
    this.publish(id, lane.workflow, 1, [first]);
    start.resolve(result);
    return rest;
  }

  private publish(
    executionId: string,
    workflow: WorkflowRef,
    first: number,
    events: readonly HistoryEvent[],
  ): void {
    events.forEach((event, i) => {
      const e: SequencedEvent = { seq: first + i, executionId, workflow, event };
      for (const l of this.listeners) {
        try {
          l(e);
        } catch {
          // a listener's failure is its own (a socket closes); the others still get it
        }
      }
    });
  }
}
