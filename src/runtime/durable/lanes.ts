// The durable engine's writer: one lane per execution turns the runner's appends into
// Store commits (DESIGN.md "Execution model": one transaction per step). A commit
// carries, for one execution:
//   - the step's history events (outcomes + the ...Started events of new effects),
//   - the status when the step ends the execution (or suspends / parks it),
//   - work items: `timer:N` with dueAt = fireAt for each TimerStarted, removed again by
//     TimerFired / EffectCancelled (the store drops all work of a finished execution),
//   - the child executions its ChildStarted events start (`create`, same transaction:
//     a child exists exactly when its parent recorded it),
//   - recoveryAttempts = 0 (a step that commits is progress).
// Appends to one execution are serialised and merged: while a commit is in flight, later
// appends wait and go together in the next one, so sequence numbers never clash. Commits
// of different executions run concurrently and the SQLite store groups them.
import type { ChildStarted, HistoryEvent } from '../../history/events.js';
import { statusOf } from '../../store/history-adapter.js';
import type {
  ExecutionStatus,
  ExecutionWrite,
  NewExecution,
  NewWorkItem,
  Store,
} from '../../store/types.js';
import type { AppendOptions, HistoryStore } from '../history-store.js';
import type { HeldLease } from './claims.js';
import { lost } from './failures.js';

export interface LaneOptions {
  now(): number;
  /** The child execution a ChildStarted creates in the parent's commit; undefined when it
   *  cannot be created (unknown workflow, too deep): the launch then faults the effect. */
  child?(parentId: string, event: ChildStarted): NewExecution | undefined;
  /** The claim this process holds on the execution: every commit carries it (fencing). */
  lease?(executionId: string): HeldLease | undefined;
  /** A commit was refused because another worker owns the execution now. */
  lost?(executionId: string, error: unknown): void;
}

interface Extra {
  status?: ExecutionStatus;
  recoveryAttempts?: number;
  addWork?: NewWorkItem;
}

interface Pending {
  events: readonly HistoryEvent[];
  extra: Extra;
  resolve: (firstSeq: number) => void;
  reject: (error: unknown) => void;
}

interface Lane {
  next?: number;
  busy: boolean;
  queue: Pending[];
}

/** The run item of an unloaded execution: unclaimed, due at `dueAt`, not a recovery. */
function unloadItem(dueAt: number): NewWorkItem {
  return { key: 'run', kind: 'ready', dueAt, payload: { unloaded: true } };
}

export class StoreLanes implements HistoryStore {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly store: Store,
    private readonly options: LaneOptions,
  ) {}

  append(
    executionId: string,
    events: readonly HistoryEvent[],
    options?: AppendOptions,
  ): Promise<number> {
    const at = options?.runDueAt;
    return this.enqueue(executionId, events, at === undefined ? {} : { addWork: unloadItem(at) });
  }

  /** Writes a status without events (suspend, resume, park). */
  setStatus(executionId: string, status: ExecutionStatus): Promise<number> {
    return this.enqueue(executionId, [], { status });
  }

  /**
   * The execution leaves this process until `dueAt` (it waits for a timer): its run item
   * goes back to the store unclaimed, due then, for any worker to claim (claims.ts).
   */
  unload(executionId: string, dueAt: number): Promise<number> {
    const payload = { unloaded: true };
    return this.enqueue(executionId, [], {
      addWork: { key: 'run', kind: 'ready', dueAt, payload },
    });
  }

  /** The execution resumed and stayed alive: its recovery attempts start again at 0. */
  resetAttempts(executionId: string): Promise<number> {
    return this.enqueue(executionId, [], { recoveryAttempts: 0 });
  }

  async load(executionId: string): Promise<HistoryEvent[]> {
    return (await this.store.loadHistory(executionId)).map((r) => r.event);
  }

  /** Forgets what the lane knows (the execution left this process). */
  forget(executionId: string): void {
    const lane = this.lanes.get(executionId);
    if (lane && !lane.busy) this.lanes.delete(executionId);
  }

  /** Resolves when no commit is in flight or queued. */
  async idle(): Promise<void> {
    while ([...this.lanes.values()].some((l) => l.busy)) await new Promise((r) => setImmediate(r));
  }

  private enqueue(id: string, events: readonly HistoryEvent[], extra: Extra): Promise<number> {
    let lane = this.lanes.get(id);
    if (!lane) this.lanes.set(id, (lane = { busy: false, queue: [] }));
    const target = lane;
    return new Promise<number>((resolve, reject) => {
      target.queue.push({ events, extra, resolve, reject });
      if (!target.busy) void this.drain(id, target);
    });
  }

  private async drain(id: string, lane: Lane): Promise<void> {
    lane.busy = true;
    while (lane.queue.length > 0) {
      const group = lane.queue.splice(0);
      try {
        const first = await this.write(id, lane, group);
        let seq = first;
        for (const p of group) {
          p.resolve(seq);
          seq += p.events.length;
        }
      } catch (error) {
        lane.next = undefined; // re-read from the store next time
        for (const p of group) p.reject(error);
        if (lost(error)) this.options.lost?.(id, error);
      }
    }
    lane.busy = false;
    if (lane.next === -1) this.lanes.delete(id);
  }

  private async write(id: string, lane: Lane, group: Pending[]): Promise<number> {
    lane.next ??= (await this.store.getExecution(id))?.nextSeq ?? 1;
    const first = lane.next;
    const events = group.flatMap((p) => p.events);
    let status = statusOf(events);
    let recoveryAttempts: number | undefined = events.length > 0 ? 0 : undefined;
    const addWork: NewWorkItem[] = [];
    for (const p of group) {
      if (p.extra.status && !status) status = p.extra.status;
      if (p.extra.recoveryAttempts !== undefined) recoveryAttempts = p.extra.recoveryAttempts;
      if (p.extra.addWork) addWork.push(p.extra.addWork);
    }
    const removeWork: string[] = [];
    const create: NewExecution[] = [];
    // a parked execution waits for a human, not a worker: it gives its run item up
    if (status?.state === 'parked') removeWork.push('run');
    for (const e of events) {
      if (e.type === 'TimerStarted')
        addWork.push({ key: `timer:${e.effectId}`, kind: 'timer', dueAt: e.fireAt });
      else if (e.type === 'TimerFired' || e.type === 'EffectCancelled')
        removeWork.push(`timer:${e.effectId}`);
      else if (e.type === 'ChildStarted') {
        const child = this.options.child?.(id, e);
        if (child) create.push(child);
      }
    }
    const lease = this.options.lease?.(id);
    const write: ExecutionWrite = {
      executionId: id,
      expectedNextSeq: first,
      ...(lease ? { lease } : {}),
      ...(events.length ? { events } : {}),
      ...(status ? { status } : {}),
      ...(recoveryAttempts !== undefined ? { recoveryAttempts } : {}),
      ...(addWork.length ? { addWork } : {}),
      ...(removeWork.length ? { removeWork } : {}),
    };
    const result = await this.store.commit({
      now: this.options.now(),
      writes: [write],
      ...(create.length ? { create } : {}),
    });
    const terminal =
      status?.state === 'completed' || status?.state === 'faulted' || status?.state === 'cancelled';
    lane.next = terminal ? -1 : result.nextSeqs[0]!;
    return first;
  }
}
