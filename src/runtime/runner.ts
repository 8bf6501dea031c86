// Drives one execution: feeds history events to the interpreter (src/core) and carries
// out the commands it returns (DESIGN.md "Execution model"):
//
//   outcome event --append--> history --apply--> commands
//        ^                                          |
//        |     ...Started events appended (one step), then effects launched
//        +------------ effect settles <-------------+
//
// Steps of one execution are serialized (one drain loop): each step appends its events
// (the outcome that arrived plus the ...Started events of the effects it caused) in one
// HistoryStore.append, so the store can make it one transaction. Effects themselves run
// concurrently: fork branches and for.concurrency iterations are in flight together.
// Outcomes of effects cancelled meanwhile are dropped.
import type { ScheduleCall } from '../core/commands.js';
import { Execution, type ExecutionContext } from '../core/index.js';
import type { WorkflowIR } from '../dsl/ir.js';
import type { CloudEvent, HistoryEvent, Json, Problem, WorkflowRef } from '../history/events.js';
import type { EventBus } from './bus.js';
import type { CallEnvironment } from './calls.js';
import { performCall } from './calls.js';
import type { Clock } from './clock.js';
import { type JqCompiler, compileFilter, strategyFilters } from './filters.js';
import type { HistoryStore } from './history-store.js';
import type { Hooks } from './hooks.js';
import { problem, toProblem } from './problems.js';
import { taskIdempotencyHeader } from './task-options.js';

export type Outcome =
  | { status: 'completed'; output: Json }
  | { status: 'faulted'; error: Problem }
  | { status: 'cancelled'; reason?: string };

export interface ChildRun {
  outcome: Promise<Outcome>;
  cancel(reason: string): void;
}

export interface RunnerDeps {
  store: HistoryStore;
  clock: Clock;
  bus: EventBus;
  hooks: Hooks;
  jq: JqCompiler;
  calls: Omit<CallEnvironment, 'executionId'>;
  context: Omit<ExecutionContext, 'executionId'>;
  startChild(
    parent: { executionId: string; effectId: number },
    workflow: WorkflowRef,
    input: Json,
    childExecutionId: string,
  ): ChildRun;
  newId(): string;
}

export class ExecutionRunner {
  private readonly execution: Execution;
  private readonly definition: Json;
  private pending: HistoryEvent[] = [];
  private draining = false;
  /** In-flight effects by effectId: how to cancel each. */
  private readonly inflight = new Map<number, () => void>();
  private readonly cancelled = new Set<number>();
  private finished = false;
  private settle!: (o: Outcome) => void;
  readonly outcome: Promise<Outcome>;

  constructor(
    readonly id: string,
    ir: WorkflowIR,
    private readonly deps: RunnerDeps,
  ) {
    // The interpreter's task trace (pure tasks included) feeds the task:* hooks: run
    // order for the CTK, the UI and logs.
    const context = {
      ...deps.context,
      executionId: id,
      trace: (t: { phase: string; taskId: string; name: string; replaying?: boolean }) => {
        if (t.replaying) return;
        if (t.phase === 'started')
          deps.hooks.emit('task:started', { executionId: id, taskId: t.taskId, name: t.name });
        else
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
    this.enqueue([started]);
  }

  cancel(reason?: string): void {
    this.enqueue([
      {
        v: 1,
        type: 'ExecutionCancelRequested',
        time: this.deps.clock.now(),
        ...(reason ? { reason } : {}),
      },
    ]);
  }

  private now(): number {
    return this.deps.clock.now();
  }

  /** Outcome of an effect: appended and applied in a later step (dropped once cancelled). */
  private deliver(effectId: number, event: HistoryEvent, keepInFlight = false): void {
    if (this.cancelled.has(effectId) || this.finished) return;
    if (!keepInFlight) this.inflight.delete(effectId);
    this.enqueue([event]);
  }

  /** Outcomes that arrive while a step is being written wait here and then go together
   *  in the next step: fork branches that finish at once cost one append. */
  private enqueue(events: HistoryEvent[]): void {
    this.pending.push(...events);
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.length > 0 && !this.finished) await this.step(this.pending.splice(0));
    } catch (e) {
      this.crash(e);
    } finally {
      this.draining = false;
    }
  }

  private async record(events: HistoryEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.deps.store.append(this.id, events);
    this.deps.hooks.emit('history:appended', { executionId: this.id, events });
  }

  private async step(arrived: HistoryEvent[]): Promise<void> {
    if (this.finished) return;
    // an outcome queued before its effect was cancelled is dropped, never applied
    const events = arrived.filter((e) => !('effectId' in e) || !this.cancelled.has(e.effectId));
    if (events.length === 0) return;
    const commands = this.execution.apply(events);
    const started: HistoryEvent[] = [];
    const launches: (() => void)[] = [];
    const listens: (() => void)[] = [];
    const cancelledEvents: HistoryEvent[] = [];
    let terminal: HistoryEvent | undefined;
    let outcome: Outcome | undefined;
    for (const c of commands) {
      const t = this.now();
      switch (c.type) {
        case 'ScheduleCall':
          started.push({
            v: 1,
            type: 'TaskStarted',
            time: t,
            effectId: c.effectId,
            taskId: c.taskId,
            kind: 'call',
            key: c.key,
            request: c.args,
          });
          launches.push(() => this.launchCall(c));
          break;
        case 'ScheduleEmit':
          started.push({
            v: 1,
            type: 'TaskStarted',
            time: t,
            effectId: c.effectId,
            taskId: c.taskId,
            kind: 'emit',
            key: c.key,
            request: c.event as Json,
          });
          launches.push(() => this.launchEmit(c.effectId, c.event));
          break;
        case 'ScheduleTimer':
          started.push({
            v: 1,
            type: 'TimerStarted',
            time: t,
            effectId: c.effectId,
            taskId: c.taskId,
            purpose: c.purpose,
            fireAt: c.fireAt,
          });
          launches.push(() => this.launchTimer(c.effectId, c.fireAt));
          break;
        case 'ScheduleListen':
          started.push({
            v: 1,
            type: 'ListenStarted',
            time: t,
            effectId: c.effectId,
            taskId: c.taskId,
            key: c.key,
            request: c.strategy,
          });
          listens.push(() => this.launchListen(c.effectId, c.strategy));
          break;
        case 'ScheduleChild': {
          const childExecutionId = this.deps.newId();
          started.push({
            v: 1,
            type: 'ChildStarted',
            time: t,
            effectId: c.effectId,
            taskId: c.taskId,
            key: c.key,
            childExecutionId,
            workflow: c.workflow,
            input: c.input,
            await: c.await,
          });
          launches.push(() =>
            this.launchChild(c.effectId, c.workflow, c.input, childExecutionId, c.await),
          );
          break;
        }
        case 'CancelEffect': {
          const cancel = this.inflight.get(c.effectId);
          this.cancelled.add(c.effectId);
          if (cancel) {
            this.inflight.delete(c.effectId);
            cancel();
            cancelledEvents.push({ v: 1, type: 'EffectCancelled', time: t, effectId: c.effectId });
          }
          break;
        }
        case 'CompleteExecution':
          terminal = { v: 1, type: 'ExecutionCompleted', time: t, output: c.output };
          outcome = { status: 'completed', output: c.output };
          break;
        case 'FaultExecution':
          terminal = { v: 1, type: 'ExecutionFaulted', time: t, error: c.error };
          outcome = { status: 'faulted', error: c.error };
          break;
        case 'CancelExecution':
          terminal = {
            v: 1,
            type: 'ExecutionCancelled',
            time: t,
            ...(c.reason ? { reason: c.reason } : {}),
          };
          outcome = c.reason ? { status: 'cancelled', reason: c.reason } : { status: 'cancelled' };
          break;
        default: {
          const never: never = c;
          throw new Error(`unknown command ${JSON.stringify(never)}`);
        }
      }
    }
    // One step, one append: the outcome that arrived, the effects it caused, the effects
    // it cancelled (facts for the history; the interpreter already knows them) and the end.
    await this.record([...events, ...started, ...cancelledEvents, ...(terminal ? [terminal] : [])]);
    if (terminal && outcome) return this.finish(outcome);
    for (const l of listens) l();
    for (const l of launches) l();
  }

  private finish(outcome: Outcome): void {
    this.finished = true;
    for (const cancel of this.inflight.values()) cancel();
    this.inflight.clear();
    const id = this.id;
    if (outcome.status === 'completed')
      this.deps.hooks.emit('execution:completed', { executionId: id, output: outcome.output });
    else if (outcome.status === 'faulted')
      this.deps.hooks.emit('execution:faulted', { executionId: id, error: outcome.error });
    else
      this.deps.hooks.emit('execution:cancelled', {
        executionId: id,
        ...(outcome.reason ? { reason: outcome.reason } : {}),
      });
    this.settle(outcome);
  }

  /** A bug (in the interpreter or here) or a store failure: the execution faults. */
  private crash(e: unknown): void {
    if (this.finished) return;
    const error = problem('runtime', 'Internal error', e instanceof Error ? e.message : String(e));
    const event: HistoryEvent = { v: 1, type: 'ExecutionFaulted', time: this.now(), error };
    this.deps.store.append(this.id, [event]).then(
      () => this.deps.hooks.emit('history:appended', { executionId: this.id, events: [event] }),
      () => undefined,
    );
    this.finish({ status: 'faulted', error });
  }

  private launchCall(c: ScheduleCall): void {
    const controller = new AbortController();
    this.inflight.set(c.effectId, () => controller.abort());
    const header =
      taskIdempotencyHeader(this.definition, c.taskId) ?? this.deps.calls.idempotencyHeader;
    const env = {
      ...this.deps.calls,
      executionId: this.id,
      ...(header ? { idempotencyHeader: header } : {}),
    };
    performCall(c, env, controller.signal).then(
      (result) =>
        this.deliver(c.effectId, {
          v: 1,
          type: 'TaskCompleted',
          time: this.now(),
          effectId: c.effectId,
          result,
        }),
      (e: unknown) => {
        if (controller.signal.aborted) return;
        const error = { ...toProblem(e) };
        error.instance ??= c.taskId;
        this.deliver(c.effectId, {
          v: 1,
          type: 'TaskFaulted',
          time: this.now(),
          effectId: c.effectId,
          error,
        });
      },
    );
  }

  private launchEmit(effectId: number, event: CloudEvent): void {
    this.inflight.set(effectId, () => undefined);
    queueMicrotask(() => {
      if (this.cancelled.has(effectId)) return;
      this.deps.bus.publish(event);
      this.deliver(effectId, {
        v: 1,
        type: 'TaskCompleted',
        time: this.now(),
        effectId,
        result: event as Json,
      });
    });
  }

  private launchTimer(effectId: number, fireAt: number): void {
    const cancel = this.deps.clock.schedule(fireAt - this.now(), () =>
      this.deliver(effectId, { v: 1, type: 'TimerFired', time: this.now(), effectId }),
    );
    this.inflight.set(effectId, cancel);
  }

  private launchListen(effectId: number, strategy: Json): void {
    let filters;
    try {
      const seen = new Map<string, Json>();
      filters = strategyFilters(strategy).map((f) => compileFilter(f, this.deps.jq, seen));
    } catch (e) {
      const error = problem('configuration', 'Invalid event filter', (e as Error).message);
      this.deliver(effectId, { v: 1, type: 'TaskFaulted', time: this.now(), effectId, error });
      return;
    }
    const unsubscribe = this.deps.bus.subscribe((event) => {
      if (!filters.some((f) => f.matches(event))) return;
      this.deliver(
        effectId,
        { v: 1, type: 'EventReceived', time: this.now(), effectId, event },
        true,
      );
    });
    this.inflight.set(effectId, unsubscribe);
  }

  private launchChild(
    effectId: number,
    workflow: WorkflowRef,
    input: Json,
    childId: string,
    wait: boolean,
  ): void {
    let run: ChildRun;
    try {
      run = this.deps.startChild({ executionId: this.id, effectId }, workflow, input, childId);
    } catch (e) {
      const error = toProblem(e, 'configuration');
      if (wait)
        this.deliver(effectId, { v: 1, type: 'ChildFaulted', time: this.now(), effectId, error });
      return;
    }
    if (!wait) return; // the child runs on; its outcome is not the parent's business
    this.inflight.set(effectId, () => run.cancel('the parent cancelled it'));
    void run.outcome.then((o) => {
      const t = this.now();
      if (o.status === 'completed')
        this.deliver(effectId, {
          v: 1,
          type: 'ChildCompleted',
          time: t,
          effectId,
          output: o.output,
        });
      else {
        const error =
          o.status === 'faulted'
            ? o.error
            : problem(
                'runtime',
                'Child execution cancelled',
                o.reason ?? `execution ${childId} was cancelled`,
              );
        this.deliver(effectId, { v: 1, type: 'ChildFaulted', time: t, effectId, error });
      }
    });
  }
}
