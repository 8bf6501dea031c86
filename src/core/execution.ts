// Execution: (IR, history) -> state + commands. apply() feeds history events in order
// and returns the commands they caused; replay() rebuilds an execution from a recorded
// history and returns only the work not yet recorded. Deterministic: time is each
// event's `time`, randomness a PRNG seeded by ExecutionStarted.seed.

import type { Command } from './commands.js';
import type { HistoryEvent, Json, Problem } from '../history/events.js';
import type { WorkflowIR } from '../dsl/ir.js';
import { DEFAULT_LIMITS } from './limits.js';
import { CancelSignal, DeterminismError, fault, toProblem, WorkflowFault } from './problems.js';
import { seededRandom } from './prng.js';
import type { EffectInfo, Outcome } from './scheduler.js';
import { Scheduler } from './scheduler.js';
import type { ExecutionContext, Rt } from './state.js';
import { dateTime } from './state.js';
import { runWorkflow, WORKFLOW_POINTER } from './workflow.js';

export type ExecutionStatus = 'running' | 'completed' | 'faulted' | 'cancelled';

type Root = ReturnType<Scheduler['start']>;

export class Execution {
  private readonly scheduler: Scheduler;
  private rt: Rt | undefined;
  private root: Root | undefined;
  private _status: ExecutionStatus = 'running';
  private _output: Json | undefined;
  private _error: Problem | undefined;
  private cancelReason: string | undefined;
  /** Set by replay() while it applies recorded events (see ExecutionContext.trace). */
  replaying = false;

  constructor(
    readonly ir: WorkflowIR,
    readonly ctx: ExecutionContext,
  ) {
    const limits = { ...DEFAULT_LIMITS, ...ctx.limits };
    this.scheduler = new Scheduler(
      () => limits.maxEffects,
      () =>
        fault(
          'runtime',
          WORKFLOW_POINTER,
          'Effect limit exceeded',
          `more than ${limits.maxEffects} effects (limits.maxEffects)`,
        ),
    );
  }

  get status(): ExecutionStatus {
    return this._status;
  }
  get output(): Json | undefined {
    return this._output;
  }
  get error(): Problem | undefined {
    return this._error;
  }

  /** Effects scheduled so far, by effect id. */
  get effects(): ReadonlyMap<number, EffectInfo> {
    return this.scheduler.scheduled;
  }

  apply(events: readonly HistoryEvent[]): Command[] {
    for (const event of events) this.applyOne(event);
    return this.scheduler.commands.splice(0);
  }

  private applyOne(event: HistoryEvent): void {
    const rt = this.rt;
    if (!rt) {
      if (event.type !== 'ExecutionStarted') {
        throw new Error(`the first history event must be ExecutionStarted, got ${event.type}`);
      }
      this.start(event);
      return;
    }
    rt.now = event.time;
    rt.steps = 0;
    rt.replaying = this.replaying;
    const s = this.scheduler;
    switch (event.type) {
      case 'ExecutionStarted':
        throw new Error('ExecutionStarted applied twice');
      case 'TaskStarted':
        return this.check(event.effectId, event.taskId, event.kind, event.type);
      case 'TimerStarted':
        return this.check(event.effectId, event.taskId, 'timer', event.type);
      case 'ListenStarted':
        return this.check(event.effectId, event.taskId, 'listen', event.type);
      case 'ChildStarted':
        return this.check(event.effectId, event.taskId, 'child', event.type);
      case 'TaskCompleted':
        this.expectKind(event.effectId, ['call', 'emit'], event.type);
        return s.deliver(event.effectId, { value: event.result });
      case 'TaskFaulted':
      case 'ChildFaulted':
        this.expectKind(
          event.effectId,
          event.type === 'TaskFaulted' ? ['call', 'emit'] : ['child'],
          event.type,
        );
        return s.deliver(event.effectId, {
          error: new WorkflowFault(this.located(event.effectId, event.error)),
        });
      case 'TimerFired':
        this.expectKind(event.effectId, ['timer'], event.type);
        return s.deliver(event.effectId, { value: null });
      case 'ChildCompleted':
        this.expectKind(event.effectId, ['child'], event.type);
        return s.deliver(event.effectId, { value: event.output });
      case 'EventReceived':
        this.expectKind(event.effectId, ['listen'], event.type);
        return s.event(event.effectId, event.event);
      case 'ExecutionCancelRequested':
        if (this._status === 'running' && this.root && this.cancelReason === undefined) {
          this.cancelReason = event.reason ?? '';
          s.cancel(this.root);
        }
        return;
      case 'ListenCompleted':
      case 'EffectCancelled':
      case 'ExecutionCompleted':
      case 'ExecutionFaulted':
      case 'ExecutionCancelled':
        return;
      default: {
        const never: never = event;
        throw new Error(`unknown history event ${JSON.stringify(never)}`);
      }
    }
  }

  private start(event: Extract<HistoryEvent, { type: 'ExecutionStarted' }>): void {
    const rt: Rt = {
      ir: this.ir,
      ctx: this.ctx,
      limits: { ...DEFAULT_LIMITS, ...this.ctx.limits },
      now: event.time,
      random: seededRandom(event.seed),
      context: {},
      workflow: {
        id: this.ctx.executionId,
        definition: this.ir.definition,
        input: event.input,
        startedAt: dateTime(event.time),
      },
      steps: 0,
      replaying: this.replaying,
    };
    this.rt = rt;
    this.root = this.scheduler.start(runWorkflow(rt, event.input), (o) => this.finish(o));
  }

  private finish(outcome: Outcome): void {
    const commands = this.scheduler.commands;
    if (outcome.ok) {
      this._status = 'completed';
      this._output = outcome.value as Json;
      commands.push({ type: 'CompleteExecution', output: this._output });
    } else if (outcome.error instanceof CancelSignal || this.cancelReason !== undefined) {
      this._status = 'cancelled';
      commands.push(
        this.cancelReason
          ? { type: 'CancelExecution', reason: this.cancelReason }
          : { type: 'CancelExecution' },
      );
    } else {
      this._status = 'faulted';
      this._error = toProblem(outcome.error, WORKFLOW_POINTER);
      commands.push({ type: 'FaultExecution', error: this._error });
    }
  }

  /** A fault reported without `instance` belongs to the task that scheduled the effect. */
  private located(effectId: number, error: Problem): Problem {
    if (error.instance !== undefined) return error;
    const taskId = this.scheduler.scheduled.get(effectId)?.taskId;
    return taskId === undefined ? error : { ...error, instance: taskId };
  }

  /** An outcome must fit the kind of effect it answers (a TimerFired for a call means the
   *  history and the workflow disagree). Outcomes for unknown effects are ignored. */
  private expectKind(effectId: number, kinds: EffectInfo['kind'][], recorded: string): void {
    const scheduled = this.scheduler.scheduled.get(effectId);
    if (scheduled && !kinds.includes(scheduled.kind)) {
      throw new DeterminismError(
        `effect ${effectId}: history records ${recorded}, but the workflow scheduled task ${scheduled.taskId} (${scheduled.kind})`,
      );
    }
  }

  private check(
    effectId: number,
    taskId: string,
    kind: EffectInfo['kind'],
    recorded: string,
  ): void {
    const scheduled = this.scheduler.scheduled.get(effectId);
    if (!scheduled) {
      throw new DeterminismError(
        `effect ${effectId}: history records ${recorded} for task ${taskId} (${kind}), but the workflow scheduled no effect ${effectId} at this point`,
      );
    }
    if (scheduled.taskId !== taskId || scheduled.kind !== kind) {
      throw new DeterminismError(
        `effect ${effectId}: history records task ${taskId} (${kind}), but the workflow scheduled task ${scheduled.taskId} (${scheduled.kind})`,
      );
    }
  }
}
