// Plugs a Store in behind the runtime's narrow history seam (src/runtime/history-store.ts:
// `append(executionId, events)` and `load(executionId)`), until the engine uses the
// Store directly (work items, claims, recovery).
//
// - The first append of an execution must start with ExecutionStarted: it becomes
//   createExecution (pinned to the workflow version and hash in the event).
// - Appends to one execution are serialised and merged: while one commit is in flight,
//   later appends wait and then go together in the next commit, so fork branches that
//   finish at once cost one transaction, and sequence numbers never clash.
// - ExecutionCompleted / Faulted / Cancelled set the execution's status in the same
//   commit.

import type { HistoryEvent, Json, WorkflowRef } from '../history/events.js';
import { ConflictError, InvalidRequestError } from './errors.js';
import type { ExecutionStatus, Store } from './types.js';

export interface HistoryAdapterOptions {
  /** Milliseconds since the epoch, stored as the commit time. */
  now: () => number;
  /**
   * The document text of a workflow version the store does not know yet, so the
   * adapter can register it at the execution's start (the hash comes from the event).
   */
  workflowSource?: (ref: WorkflowRef & { hash: string }) => string | undefined;
}

interface Pending {
  events: readonly HistoryEvent[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Lane {
  /** nextSeq of the execution, or undefined until read from the store. */
  next?: number;
  busy: boolean;
  queue: Pending[];
}

export function statusOf(events: readonly HistoryEvent[]): ExecutionStatus | undefined {
  let status: ExecutionStatus | undefined;
  for (const event of events) {
    if (event.type === 'ExecutionCompleted') {
      status = { state: 'completed', output: event.output };
    } else if (event.type === 'ExecutionFaulted') {
      status = { state: 'faulted', error: event.error };
    } else if (event.type === 'ExecutionCancelled') {
      status =
        event.reason === undefined
          ? { state: 'cancelled' }
          : { state: 'cancelled', reason: event.reason };
    }
  }
  return status;
}

export class StoreHistoryAdapter {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly store: Store,
    private readonly options: HistoryAdapterOptions,
  ) {}

  append(executionId: string, events: readonly HistoryEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    let lane = this.lanes.get(executionId);
    if (!lane) this.lanes.set(executionId, (lane = { busy: false, queue: [] }));
    const target = lane;
    return new Promise<void>((resolve, reject) => {
      target.queue.push({ events, resolve, reject });
      if (!target.busy) void this.drain(executionId, target);
    });
  }

  async load(executionId: string): Promise<HistoryEvent[]> {
    if (!(await this.store.getExecution(executionId))) return [];
    return (await this.store.loadHistory(executionId)).map((record) => record.event);
  }

  private async drain(executionId: string, lane: Lane): Promise<void> {
    lane.busy = true;
    while (lane.queue.length > 0) {
      const group = lane.queue.splice(0);
      try {
        await this.write(
          executionId,
          lane,
          group.flatMap((p) => p.events),
        );
        for (const p of group) p.resolve();
      } catch (error) {
        lane.next = undefined; // re-read from the store on the next append
        for (const p of group) p.reject(error);
      }
    }
    lane.busy = false;
    // A finished execution takes no more appends: forget its lane.
    if (lane.next === -1) this.lanes.delete(executionId);
  }

  private async write(id: string, lane: Lane, events: HistoryEvent[]): Promise<void> {
    if (lane.next === undefined) lane.next = (await this.store.getExecution(id))?.nextSeq ?? 1;
    let rest = events;
    if (lane.next === 1) {
      const [first, ...others] = events;
      if (first?.type !== 'ExecutionStarted') {
        throw new InvalidRequestError(
          `execution ${id}: its history must start with ExecutionStarted, not ${first?.type}`,
        );
      }
      await this.start(id, first);
      lane.next = 2;
      rest = others;
    }
    if (rest.length === 0) return;
    const status = statusOf(rest);
    const [nextSeq] = (
      await this.store.commit({
        now: this.options.now(),
        writes: [
          {
            executionId: id,
            expectedNextSeq: lane.next,
            events: rest,
            ...(status ? { status } : {}),
          },
        ],
      })
    ).nextSeqs;
    lane.next = status ? -1 : nextSeq;
  }

  private async start(id: string, event: Extract<HistoryEvent, { type: 'ExecutionStarted' }>) {
    const { workflow } = event;
    if (!(await this.store.getWorkflow(workflow))) {
      const source = this.options.workflowSource?.(workflow);
      if (source !== undefined) {
        await this.store.putWorkflow({ ...workflow, source, createdAt: this.options.now() });
      }
    }
    const { execution, created } = await this.store.createExecution({
      id,
      workflow,
      input: event.input as Json,
      ...(event.idempotencyKey === undefined ? {} : { idempotencyKey: event.idempotencyKey }),
      ...(event.parent === undefined ? {} : { parentId: event.parent.executionId }),
      startedEvent: event,
    });
    if (!created && execution.id !== id) {
      throw new ConflictError(
        `execution ${id}: idempotency key "${event.idempotencyKey}" already started ` +
          `execution ${execution.id}; start executions with Store.createExecution to get it`,
      );
    }
  }
}
