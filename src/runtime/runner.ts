// Drives one execution: feeds history events to the interpreter (src/core) and carries
// out the commands it returns (DESIGN.md "Execution model"):
//
//   outcome event --apply--> commands --append (one step)--> history
//        ^                                                     |
//        |                           effects launched <--------+
//        +------------------ effect settles
//
// Steps of one execution are serialized (one drain loop): each step appends its events
// (the outcomes that arrived, the ...Started events of the effects they caused, the
// EffectCancelled of those they cancelled, and the end) in one HistoryStore.append, so a
// store can make it one transaction; effects are launched only after it. Outcomes that
// arrive while a step is being written go together in the next step. Effects run
// concurrently: fork branches and for.concurrency iterations are in flight together.
// Outcomes of effects cancelled meanwhile are dropped.
import { type Command, Execution, type ExecutionContext } from '../core/index.js';
import type { WorkflowIR } from '../dsl/ir.js';
import type { CloudEvent, HistoryEvent, Json } from '../history/events.js';
import { type EffectDeps, type EffectHost, launch } from './effects.js';
import type { AppendOptions, HistoryStore } from './history-store.js';
import type { Hooks } from './hooks.js';
import { eventKey } from './lookback.js';
import { problem } from './problems.js';
import {
  type Outcome,
  type ScheduleCommand,
  conclusion,
  isSchedule,
  startedEvent,
} from './started.js';

export type { ChildRun } from './effects.js';
export type { Outcome } from './started.js';

export interface RunnerDeps extends EffectDeps {
  store: HistoryStore;
  hooks: Hooks;
  context: Omit<ExecutionContext, 'executionId'>;
  newId(): string;
  /** A store failure that means another writer owns the execution (or the store closed):
   *  the runner stops without writing anything. */
  lost?(error: unknown): boolean;
  /** Cancels a child execution by id (recovery: the parent cancels a child it started before). */
  cancelChild?(childId: string, reason: string): void;
  /**
   * True while the engine drains before it stops: steps are still recorded, but the
   * effects they start are not launched here. Their ...Started events are in the history,
   * so the next process launches them, once, from its recovery.
   */
  holding?(): boolean;
  /**
   * Asked before the runner launches what a step recorded (or relaunches what a loaded
   * history has in flight): true when this process can still vouch for its claim of the
   * execution. Where its lease's last known end has passed (a process starved or paused
   * past it), a promise: whether the lease could be renewed now, by this worker still
   * holding it. When not, the runner launches nothing and calls letGo: its ...Started
   * events are recorded, so whoever claims the execution next launches them, once.
   */
  vouch?(executionId: string): true | Promise<boolean>;
  /** Drops a lapsed execution here, with the children its last step created (their run
   *  items came claimed by this process, and nothing here will drive them). */
  letGo?(executionId: string, newChildren: readonly string[]): void;
  /** Called when the runner has recorded what it could and waits (see idleUntil). */
  stepped?(runner: ExecutionRunner): void;
  /**
   * Asked before a step is recorded that leaves the execution waiting for timers only
   * (the earliest at `until`): the run item's due time to unload it in the same commit,
   * or undefined to keep it in memory.
   */
  unloadAt?(runner: ExecutionRunner, until: number): number | undefined;
  /** Turns a failure of a step into the execution's error (default: runtime Internal error). */
  failure?(error: unknown): ReturnType<typeof problem>;
}

/** What resume() did: calls in flight at the crash run again (their code may be what crashed). */
export interface Resumed {
  relaunchedCalls: number;
}

export class ExecutionRunner implements EffectHost {
  private readonly execution: Execution;
  readonly definition: Json;
  readonly inflight = new Map<number, () => void>();
  /** The last step's commit also unloaded the execution (its run item waits in the store). */
  unloadRecorded = false;
  /** fireAt of the timers in flight (effect id -> ms): idleUntil() reads it. */
  private readonly timers = new Map<number, number>();
  private readonly cancelled = new Set<number>();
  private pending: HistoryEvent[] = [];
  /** Commands of a resume (recovery) not yet recorded: the next step carries them out. */
  private resumed: Command[] | undefined;
  /** While suspended, outcomes wait in `pending` and no step runs. */
  private suspended = false;
  /** Resolved after the next step is recorded (cancel() waits for its request). */
  private waiters: (() => void)[] = [];
  /** Resolved when no outcome waits to be applied (listen look back paces on it). */
  private idlers: (() => void)[] = [];
  private draining = false;
  private finished = false;
  /**
   * Stopped without ending the execution (detach, or another writer owns it): effects in
   * flight are aborted but what they created stays, as recovery launches them again.
   */
  detached = false;
  /** Events (source, id) this execution's history received: a look back skips them. */
  private readonly received = new Set<string>();
  /** When the execution started (its ExecutionStarted time). */
  startedAt: number | undefined;
  private settle!: (o: Outcome) => void;
  readonly outcome: Promise<Outcome>;
  /** Every append names this runner: a durable store writes only the current runner's. */
  private readonly appendOptions: AppendOptions = { runner: this };

  constructor(
    readonly executionId: string,
    ir: WorkflowIR,
    readonly deps: RunnerDeps,
  ) {
    const id = executionId;
    // The interpreter's task trace (pure tasks included) feeds the task:* hooks: run
    // order for the CTK, the UI and logs.
    const context = {
      ...deps.context,
      executionId: id,
      trace: (t: { phase: string; taskId: string; name: string; replaying?: boolean }) => {
        if (t.replaying) return;
        if (t.phase === 'started') {
          if (deps.hooks.has('task:started'))
            deps.hooks.emit('task:started', { executionId: id, taskId: t.taskId, name: t.name });
        } else if (deps.hooks.has('task:ended'))
          deps.hooks.emit('task:ended', {
            executionId: id,
            taskId: t.taskId,
            name: t.name,
            phase: t.phase,
          });
      },
    };
    this.execution = new Execution(ir, context);
    this.definition = ir.definition;
    this.outcome = new Promise((resolve) => (this.settle = resolve));
  }

  start(started: HistoryEvent): void {
    this.startedAt = started.time;
    this.enqueue([started]);
  }

  /**
   * Recovery (and the start of a durable execution, whose ExecutionStarted the store
   * already holds): rebuilds the state from `history` (DeterminismError when it does not
   * match), relaunches the effects that were in flight (their ...Started is recorded, their
   * outcome is not: they run again with the same idempotency key) and records the rest.
   */
  resume(history: readonly HistoryEvent[], options: { suspended?: boolean } = {}): Resumed {
    const fresh = history.length === 1;
    this.startedAt = history[0]?.time;
    this.noteReceived(history);
    this.execution.replaying = !fresh;
    let all: Command[];
    try {
      all = this.execution.apply(history);
    } finally {
      this.execution.replaying = false;
    }
    const { started, settled, terminal, childIds } = recorded(history);
    const inFlight = (id: number) => started.has(id) && !settled.has(id);
    const cancelledNow = new Set(
      all.flatMap((c) => (c.type === 'CancelEffect' ? [c.effectId] : [])),
    );
    const relaunch: ScheduleCommand[] = [];
    const rest: Command[] = [];
    for (const c of all) {
      if (isSchedule(c)) {
        if (inFlight(c.effectId) && !cancelledNow.has(c.effectId)) relaunch.push(c);
        else if (!started.has(c.effectId) && !cancelledNow.has(c.effectId)) rest.push(c);
      } else if (c.type === 'CancelEffect') {
        if (inFlight(c.effectId)) {
          // so the step records EffectCancelled; a child started before the crash is
          // cancelled too (it is an execution of its own and may still be running)
          const childId = childIds.get(c.effectId);
          this.inflight.set(c.effectId, () => {
            // (not on a detach: the child is an execution of its own, effects.ts)
            if (childId && !this.detached)
              this.deps.cancelChild?.(childId, 'the parent cancelled it');
          });
          rest.push(c);
        }
      } else if (!terminal) rest.push(c);
    }
    if (terminal) {
      this.finishFromHistory(history);
      return { relaunchedCalls: 0 };
    }
    this.suspended = options.suspended ?? false;
    this.resumed = rest;
    const order = (c: ScheduleCommand) => (c.type === 'ScheduleListen' ? 0 : 1);
    // a draining engine launches nothing: the next process relaunches them
    if (this.deps.holding?.()) relaunch.length = 0;
    const relaunchAll = () => {
      for (const c of relaunch.sort((a, b) => order(a) - order(b))) {
        if (c.type === 'ScheduleTimer') this.timers.set(c.effectId, c.fireAt);
        launch(this, c, childIds.get(c.effectId) ?? '');
      }
    };
    const vouched = relaunch.length === 0 || (this.deps.vouch?.(this.executionId) ?? true);
    if (vouched === true) relaunchAll();
    else
      void vouched.then((ok) => {
        if (this.detached) return;
        if (ok) relaunchAll();
        else this.deps.letGo?.(this.executionId, []); // its children are not new: not ours
      });
    if (!this.draining) void this.drain();
    return { relaunchedCalls: relaunch.filter((c) => c.type === 'ScheduleCall').length };
  }

  /** The history already ends the execution: settle with its recorded outcome. */
  private finishFromHistory(history: readonly HistoryEvent[]): void {
    const last = history.at(-1);
    this.finished = true;
    if (last?.type === 'ExecutionCompleted')
      this.settle({ status: 'completed', output: last.output });
    else if (last?.type === 'ExecutionFaulted')
      this.settle({ status: 'faulted', error: last.error });
    else
      this.settle({
        status: 'cancelled',
        ...(last?.type === 'ExecutionCancelled' && last.reason ? { reason: last.reason } : {}),
      });
  }

  /** The process stops serving this execution (shutdown): in-flight effects are aborted,
   *  nothing more is recorded, the outcome stays pending. Recovery picks it up later. */
  detach(): void {
    this.finished = true;
    this.detached = true;
    for (const w of this.waiters.splice(0)) w();
    for (const idle of this.idlers.splice(0)) idle();
    for (const cancel of this.inflight.values()) cancel();
    this.inflight.clear();
    this.pending = [];
  }

  /** Holds outcomes (no step runs) until unsuspend(); effects in flight go on. */
  suspend(): void {
    this.suspended = true;
  }

  unsuspend(): void {
    this.suspended = false;
    if (!this.draining) void this.drain();
  }

  get isSuspended(): boolean {
    return this.suspended;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Requests cancellation; resolves once the request is recorded (or the execution ended). */
  cancel(reason?: string): Promise<void> {
    const recorded = new Promise<void>((resolve) => this.waiters.push(resolve));
    this.enqueue([
      { v: 1, type: 'ExecutionCancelRequested', time: this.now(), ...(reason ? { reason } : {}) },
    ]);
    return recorded;
  }

  hasReceived(event: CloudEvent): boolean {
    return this.received.has(eventKey(event));
  }

  /** Resolves once every outcome delivered so far was applied (or the runner stopped). */
  idle(): Promise<void> {
    if ((!this.draining && this.pending.length === 0) || this.finished) return Promise.resolve();
    return new Promise((resolve) => this.idlers.push(resolve));
  }

  private noteReceived(events: readonly HistoryEvent[]): void {
    for (const e of events) if (e.type === 'EventReceived') this.received.add(eventKey(e.event));
  }

  isCancelled(effectId: number): boolean {
    return this.cancelled.has(effectId);
  }

  deliver(effectId: number, event: HistoryEvent, keepInFlight = false): void {
    if (this.cancelled.has(effectId) || this.finished) return;
    if (!keepInFlight) {
      this.inflight.delete(effectId);
      this.timers.delete(effectId);
    }
    this.enqueue([event]);
  }

  private now(): number {
    return this.deps.clock.now();
  }

  private enqueue(events: HistoryEvent[]): void {
    this.pending.push(...events);
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while ((this.pending.length > 0 || this.resumed) && !this.finished && !this.suspended)
        await this.step(this.pending.splice(0));
    } catch (e) {
      this.crash(e);
    } finally {
      this.draining = false;
      if (this.pending.length === 0 || this.finished || this.suspended)
        for (const idle of this.idlers.splice(0)) idle();
    }
    if (!this.finished) this.deps.stepped?.(this);
  }

  /**
   * When the execution only waits for timers (nothing else in flight, nothing to record):
   * the earliest fireAt. The durable engine may then unload it until that time.
   */
  idleUntil(): number | undefined {
    if (this.finished || this.suspended || this.draining) return undefined;
    if (this.pending.length > 0 || this.resumed || this.inflight.size === 0) return undefined;
    let earliest = Infinity;
    for (const id of this.inflight.keys()) {
      const at = this.timers.get(id);
      if (at === undefined) return undefined;
      earliest = Math.min(earliest, at);
    }
    return earliest;
  }

  private step(arrived: HistoryEvent[]): Promise<void> {
    // an outcome queued before its effect was cancelled is dropped, never applied
    if (this.waiters.length === 0) return this.stepEvents(arrived);
    const waiters = this.waiters.splice(0);
    return this.stepEvents(arrived).finally(() => {
      for (const w of waiters) w();
    });
  }

  // The hot path of every durable step (bench/engine/run.ts): one list of events to
  // record, built in place, and launches sorted only when a listen is among them.
  private async stepEvents(arrived: HistoryEvent[]): Promise<void> {
    const events =
      this.cancelled.size === 0
        ? arrived
        : arrived.filter((e) => !('effectId' in e) || !this.cancelled.has(e.effectId));
    const resumed = this.resumed;
    this.resumed = undefined;
    let commands: Command[];
    if (events.length === 0) commands = resumed ?? [];
    else {
      const applied = this.execution.apply(events);
      commands = resumed ? resumed.concat(applied) : applied;
    }
    if (events.length === 0 && commands.length === 0) return;
    const time = this.now();
    // outcomes, then ...Started of new effects, then EffectCancelled, then the end
    const record: HistoryEvent[] = events.slice();
    const toLaunch: [ScheduleCommand, string][] = [];
    let cancelledEvents: HistoryEvent[] | undefined;
    let listens = false;
    let end: ReturnType<typeof conclusion> | undefined;
    for (const c of commands) {
      if (isSchedule(c)) {
        const childId = c.type === 'ScheduleChild' ? this.deps.newId() : '';
        record.push(startedEvent(c, time, childId));
        toLaunch.push([c, childId]);
        if (c.type === 'ScheduleListen') listens = true;
      } else if (c.type === 'CancelEffect') {
        const cancel = this.inflight.get(c.effectId);
        this.cancelled.add(c.effectId);
        this.timers.delete(c.effectId);
        if (cancel) {
          this.inflight.delete(c.effectId);
          cancel();
          (cancelledEvents ??= []).push({
            v: 1,
            type: 'EffectCancelled',
            time,
            effectId: c.effectId,
          });
        }
      } else {
        end = conclusion(c, time);
      }
    }
    if (cancelledEvents) for (const e of cancelledEvents) record.push(e);
    if (end) record.push(end.event);
    const runDueAt = end ? undefined : this.unloadHint(toLaunch);
    const firstSeq = await this.deps.store.append(
      this.executionId,
      record,
      runDueAt === undefined ? this.appendOptions : { runner: this, runDueAt },
    );
    this.unloadRecorded = runDueAt !== undefined;
    this.appended(record, firstSeq);
    if (end) return this.finish(end.outcome);
    if (this.deps.holding?.()) return;
    if (toLaunch.length === 0) return;
    const vouched = this.deps.vouch?.(this.executionId) ?? true;
    if (vouched !== true && !(await vouched) && !this.detached) {
      const created = toLaunch.filter(([c]) => c.type === 'ScheduleChild').map(([, id]) => id);
      this.deps.letGo?.(this.executionId, created);
      return;
    }
    // dropped while its step was written (a re-claim rebuilt it, a lapse): launch nothing
    if (this.detached) return;
    // listens subscribe before anything else starts (an emit in the same step must reach them)
    if (listens) {
      const order = (c: ScheduleCommand) => (c.type === 'ScheduleListen' ? 0 : 1);
      toLaunch.sort((a, b) => order(a[0]) - order(b[0]));
    }
    for (const [c, childId] of toLaunch) {
      if (c.type === 'ScheduleTimer') this.timers.set(c.effectId, c.fireAt);
      launch(this, c, childId);
    }
  }

  /** After this step only timers wait: the run item's due time when the engine unloads. */
  private unloadHint(toLaunch: readonly [ScheduleCommand, string][]): number | undefined {
    if (!this.deps.unloadAt || this.suspended || this.pending.length > 0) return undefined;
    let earliest = Infinity;
    for (const [c] of toLaunch) {
      if (c.type !== 'ScheduleTimer') return undefined;
      earliest = Math.min(earliest, c.fireAt);
    }
    for (const id of this.inflight.keys()) {
      const at = this.timers.get(id);
      if (at === undefined) return undefined;
      earliest = Math.min(earliest, at);
    }
    return earliest === Infinity ? undefined : this.deps.unloadAt(this, earliest);
  }

  private appended(events: HistoryEvent[], firstSeq: number | void): void {
    this.noteReceived(events);
    if (!this.deps.hooks.has('history:appended')) return;
    this.deps.hooks.emit('history:appended', {
      executionId: this.executionId,
      events,
      ...(typeof firstSeq === 'number' ? { firstSeq } : {}),
    });
  }

  private finish(outcome: Outcome): void {
    this.finished = true;
    for (const cancel of this.inflight.values()) cancel();
    this.inflight.clear();
    const executionId = this.executionId;
    const hooks = this.deps.hooks;
    if (outcome.status === 'completed')
      hooks.emit('execution:completed', { executionId, output: outcome.output });
    else if (outcome.status === 'faulted')
      hooks.emit('execution:faulted', { executionId, error: outcome.error });
    else
      hooks.emit('execution:cancelled', {
        executionId,
        ...(outcome.reason ? { reason: outcome.reason } : {}),
      });
    for (const w of this.waiters.splice(0)) w();
    this.settle(outcome);
  }

  /** A bug (in the interpreter or here) or a store failure: the execution faults. */
  private crash(e: unknown): void {
    if (this.finished) return;
    if (this.deps.lost?.(e)) {
      // another writer owns the execution now (or the store closed): write nothing
      this.finished = true;
      this.detached = true;
      for (const cancel of this.inflight.values()) cancel();
      this.inflight.clear();
      for (const w of this.waiters.splice(0)) w();
      this.settle({ status: 'faulted', error: problem('runtime', 'Execution lost', String(e)) });
      return;
    }
    const error =
      this.deps.failure?.(e) ??
      problem('runtime', 'Internal error', e instanceof Error ? e.message : String(e));
    const event: HistoryEvent = { v: 1, type: 'ExecutionFaulted', time: this.now(), error };
    // stop now; settle once the fault is recorded (or could not be), so a caller that
    // awaits the outcome reads the faulted status from the store
    this.finished = true;
    for (const cancel of this.inflight.values()) cancel();
    this.inflight.clear();
    void this.deps.store
      .append(this.executionId, [event], this.appendOptions)
      .then(
        () =>
          this.deps.hooks.emit('history:appended', {
            executionId: this.executionId,
            events: [event],
          }),
        () => undefined,
      )
      .finally(() => this.finish({ status: 'faulted', error }));
  }
}

/** What a history records about effects: started, settled, whether it ended, child ids. */
function recorded(history: readonly HistoryEvent[]) {
  const started = new Set<number>();
  const settled = new Set<number>();
  const childIds = new Map<number, string>();
  let terminal = false;
  for (const e of history) {
    switch (e.type) {
      case 'ChildStarted':
        childIds.set(e.effectId, e.childExecutionId);
        started.add(e.effectId);
        break;
      case 'TaskStarted':
      case 'TimerStarted':
      case 'ListenStarted':
        started.add(e.effectId);
        break;
      case 'TaskCompleted':
      case 'TaskFaulted':
      case 'TimerFired':
      case 'ChildCompleted':
      case 'ChildFaulted':
      case 'EffectCancelled':
      case 'ListenCompleted':
        settled.add(e.effectId);
        break;
      case 'ExecutionCompleted':
      case 'ExecutionFaulted':
      case 'ExecutionCancelled':
        terminal = true;
        break;
      default:
        break;
    }
  }
  return { started, settled, terminal, childIds };
}
