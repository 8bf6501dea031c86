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
//
// A lane belongs to the runner whose history it loaded (load(id, runner)), and its next
// sequence number is that history's end, advanced only by the lane's own commits: a
// runner's step is written only where the history it replayed ends. The appends of any
// other runner of the execution (one a later load replaced) are refused here
// (StaleRunnerError), and a stale history fails the store's sequence check. Before, a
// second load kept the first runner's lane and its next sequence number, and a lane made
// anew read that number from the store: two runners of one child in one worker both
// wrote its first step, the second at the seq after the first's (the multi-process
// chaos test, 2026-11-26).
import type { ChildStarted, HistoryEvent } from '../../history/events.js';
import { statusOf } from '../../store/history-adapter.js';
import type {
  CommitBatch,
  ExecutionStatus,
  ExecutionWrite,
  NewExecution,
  NewWorkItem,
  Store,
} from '../../store/types.js';
import type { AppendOptions, HistoryStore } from '../history-store.js';
import type { HeldLease } from './claims.js';
import { StaleRunnerError, lost } from './failures.js';
import { LeaseLostError } from '../../store/errors.js';

export interface LaneOptions {
  now(): number;
  /** The child execution a ChildStarted creates in the parent's commit; undefined when it
   *  cannot be created (unknown workflow, too deep): the launch then faults the effect. */
  child?(parentId: string, event: ChildStarted): Promise<NewExecution | undefined>;
  /** The claim this process holds on the execution: every commit carries it (fencing). */
  lease?(executionId: string): HeldLease | undefined;
  /** A commit was refused because another worker owns the execution now. */
  lost?(executionId: string, error: unknown): void;
  /**
   * Shared stores (PostgreSQL): the worker name. A write of an execution this process
   * holds no claim on is then refused here, before the store: without a lease the store's
   * fence check has nothing to check, and a dropped runner's late step would land at the
   * new owner's sequence number (seen in the multi-process chaos run).
   */
  sharedAs?: string;
}

interface Extra {
  status?: ExecutionStatus;
  recoveryAttempts?: number;
  addWork?: NewWorkItem;
  /** Written without a claim on a shared store (a parked execution has no run item). */
  unleased?: boolean;
}

interface Pending {
  events: readonly HistoryEvent[];
  extra: Extra;
  resolve: (firstSeq: number) => void;
  reject: (error: unknown) => void;
}

interface Lane {
  /** The runner whose history the lane continues (load); none for a lane that only writes
   *  statuses and work (suspend, unload, a parked execution's cancel). */
  owner?: object;
  /** Where the next commit goes: the loaded history's end, advanced by each commit. A lane
   *  without an owner reads it from the store at its first commit. */
  next?: number;
  busy: boolean;
  queue: Pending[];
  /** The drain in progress while busy: ends when everything queued is written or refused. */
  draining?: Promise<void>;
  /** Another worker owns the execution: everything queued or appended later is refused. */
  lost?: unknown;
}

/** The run item of an unloaded execution: unclaimed, due at `dueAt`, not a recovery. */
function unloadItem(dueAt: number): NewWorkItem {
  return { key: 'run', kind: 'ready', dueAt, payload: { unloaded: true } };
}

export class StoreLanes implements HistoryStore {
  private readonly lanes = new Map<string, Lane>();
  private readonly fresh = new Map<string, HistoryEvent>();

  constructor(
    private readonly store: Store,
    private readonly options: LaneOptions,
  ) {}

  append(
    executionId: string,
    events: readonly HistoryEvent[],
    options?: AppendOptions,
  ): Promise<number> {
    const lane = this.lanes.get(executionId);
    const runner = options?.runner;
    if (runner !== undefined && lane?.owner !== runner)
      return Promise.reject(new StaleRunnerError(executionId));
    const at = options?.runDueAt;
    const extra = at === undefined ? {} : { addWork: unloadItem(at) };
    return this.enqueue(executionId, events, extra, lane);
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

  /**
   * A parked execution runs again: status running, recovery attempts 0, and its run item
   * back (`run`, unclaimed), written without a claim as a parked execution has none.
   */
  unpark(executionId: string, run: NewWorkItem): Promise<number> {
    return this.enqueue(executionId, [], {
      status: { state: 'running' },
      recoveryAttempts: 0,
      addWork: run,
      unleased: true,
    });
  }

  /** The execution resumed and stayed alive: its recovery attempts start again at 0. */
  resetAttempts(executionId: string): Promise<number> {
    return this.enqueue(executionId, [], { recoveryAttempts: 0 });
  }

  /**
   * The history of an execution this process just created: its ExecutionStarted, so the
   * load that follows (attach) need not read it back. Taken by that load, or dropped by
   * forget().
   */
  created(executionId: string, started: HistoryEvent): void {
    // a hint only (a missing entry means one read): bounded, in case an attach failed
    // before its load and left its entry behind
    if (this.fresh.size >= 10_000) this.fresh.clear();
    this.fresh.set(executionId, started);
  }

  /**
   * The execution's history, for `runner` to replay: the lane is now that runner's, and its
   * next commit goes where this history ends. A lane still writing (an earlier runner's
   * step in flight) finishes first, so the history read includes its commits.
   */
  async load(executionId: string, runner?: object): Promise<HistoryEvent[]> {
    const earlier = this.lanes.get(executionId);
    const lane: Lane = { busy: false, queue: [] };
    if (runner !== undefined) lane.owner = runner;
    // from now on the earlier runner's appends are refused (append)
    this.lanes.set(executionId, lane);
    const started = this.fresh.get(executionId);
    this.fresh.delete(executionId);
    if (earlier?.busy) await earlier.draining;
    let history: HistoryEvent[];
    let end: number;
    // an execution this process just created: its history is its ExecutionStarted, unless
    // a lane wrote to it since (then it is read)
    if (started && !earlier) {
      history = [started];
      end = 1;
    } else {
      const records = await this.store.loadHistory(executionId);
      history = records.map((r) => r.event);
      end = records.at(-1)?.seq ?? 0;
    }
    // A lane that wrote meanwhile (a status: suspend, unload; no events) knows where the
    // history ends already. Taking the end here skips a getExecution at the first commit
    // (one read and two JSON.parse per execution started).
    if (!lane.busy && lane.next === undefined) lane.next = end + 1;
    return history;
  }

  /** Forgets what the lane knows (the execution left this process). */
  forget(executionId: string): void {
    this.fresh.delete(executionId);
    // a drain in flight keeps its own lane object; appends from now on start a new lane
    // (on a shared store the old lane's queued writes then go without a claim: refused)
    this.lanes.delete(executionId);
  }

  /**
   * forget(), and resolves once what the lane had queued or in flight is written or
   * refused: a runner attached after that reads a history no late write of the old one
   * can change behind its back.
   */
  retire(executionId: string): Promise<void> {
    const lane = this.lanes.get(executionId);
    this.forget(executionId);
    return lane?.draining ?? Promise.resolve();
  }

  /** Cancels a parked execution: no worker holds it, so the write goes without a claim. */
  appendUnleased(executionId: string, events: readonly HistoryEvent[]): Promise<number> {
    return this.enqueue(executionId, events, { unleased: true });
  }

  /** Whether a commit of `executionId` is in flight or queued. */
  writing(executionId: string): boolean {
    return this.lanes.get(executionId)?.busy === true;
  }

  /** Whether a commit is in flight or queued. */
  get busy(): boolean {
    for (const lane of this.lanes.values()) if (lane.busy) return true;
    return false;
  }

  /** Resolves when no commit is in flight or queued. */
  async idle(): Promise<void> {
    while ([...this.lanes.values()].some((l) => l.busy)) await new Promise((r) => setImmediate(r));
  }

  /** `lane`: the execution's lane when the caller looked it up already (append). */
  private enqueue(
    id: string,
    events: readonly HistoryEvent[],
    extra: Extra,
    lane = this.lanes.get(id),
  ): Promise<number> {
    if (!lane) this.lanes.set(id, (lane = { busy: false, queue: [] }));
    const target = lane;
    return new Promise<number>((resolve, reject) => {
      target.queue.push({ events, extra, resolve, reject });
      if (!target.busy) target.draining = this.drain(id, target);
    });
  }

  private async drain(id: string, lane: Lane): Promise<void> {
    lane.busy = true;
    while (lane.queue.length > 0) {
      const group = lane.queue.splice(0);
      if (lane.lost !== undefined) {
        for (const p of group) p.reject(lane.lost);
        continue;
      }
      try {
        const first = await this.write(id, lane, group);
        let seq = first;
        for (const p of group) {
          p.resolve(seq);
          seq += p.events.length;
        }
      } catch (error) {
        // A refused commit wrote nothing, so `next` stays; one whose outcome is unknown
        // (StoreBusyError) is lost below and the lane with it. Re-reading it from the store
        // let a runner write past steps it never replayed.
        for (const p of group) p.reject(error);
        if (lost(error)) {
          // nothing queued behind a refused step may be written: it was computed from a
          // state another worker has moved on from
          lane.lost = error;
          for (const p of lane.queue.splice(0)) p.reject(error);
          // a retired lane's runner was dropped already: the execution may have a new one
          if (this.lanes.get(id) === lane) this.options.lost?.(id, error);
        }
      }
    }
    lane.busy = false;
    lane.draining = undefined;
    if ((lane.next === -1 || lane.lost !== undefined) && this.lanes.get(id) === lane)
      this.lanes.delete(id);
  }

  private async write(id: string, lane: Lane, group: Pending[]): Promise<number> {
    lane.next ??= (await this.store.getExecution(id))?.nextSeq ?? 1;
    const first = lane.next;
    const events = group.length === 1 ? group[0]!.events : group.flatMap((p) => p.events);
    let status = statusOf(events);
    let recoveryAttempts: number | undefined = events.length > 0 ? 0 : undefined;
    let addWork: NewWorkItem[] | undefined;
    for (const p of group) {
      if (p.extra.status && !status) status = p.extra.status;
      if (p.extra.recoveryAttempts !== undefined) recoveryAttempts = p.extra.recoveryAttempts;
      if (p.extra.addWork) (addWork ??= []).push(p.extra.addWork);
    }
    // built field by field (no spreads, no empty arrays): this runs once per step
    const write: ExecutionWrite = { executionId: id, expectedNextSeq: first };
    const lease = this.options.lease?.(id);
    if (lease) write.lease = lease;
    else if (this.options.sharedAs !== undefined && !group.every((p) => p.extra.unleased))
      throw new LeaseLostError(id, 'run', this.options.sharedAs, undefined);
    if (events.length > 0) write.events = events;
    if (status) write.status = status;
    if (recoveryAttempts !== undefined) write.recoveryAttempts = recoveryAttempts;
    let create: NewExecution[] | undefined;
    let removeWork: string[] | undefined;
    // a parked execution waits for a human, not a worker: it gives its run item up
    if (status?.state === 'parked') removeWork = ['run'];
    for (const e of events) {
      if (e.type === 'TimerStarted')
        (addWork ??= []).push({ key: `timer:${e.effectId}`, kind: 'timer', dueAt: e.fireAt });
      else if (e.type === 'TimerFired' || e.type === 'EffectCancelled')
        (removeWork ??= []).push(`timer:${e.effectId}`);
      else if (e.type === 'ChildStarted') {
        const child = await this.options.child?.(id, e);
        if (child) (create ??= []).push(child);
      }
    }
    if (addWork) write.addWork = addWork;
    if (removeWork) write.removeWork = removeWork;
    const batch: CommitBatch = { now: this.options.now(), writes: [write] };
    if (create) batch.create = create;
    const result = await this.store.commit(batch);
    const terminal =
      status?.state === 'completed' || status?.state === 'faulted' || status?.state === 'cancelled';
    lane.next = terminal ? -1 : result.nextSeqs[0]!;
    return first;
  }
}
