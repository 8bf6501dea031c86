// The specification's lifecycle CloudEvents, derived from history events (DSL 1.0
// "Lifecycle events": io.serverlessworkflow.workflow.*.v1 and .task.*.v1). They are a
// view: nothing is stored for them. Effect events name their task by effectId, so the
// deriver remembers the task of each ...Started event it has seen (streams read the
// history from its start to fill it, even when they send only what follows `after`).
import type { CloudEvent, HistoryEvent } from '../history/events.js';

const prefix = 'io.serverlessworkflow.';

export class LifecycleDeriver {
  private readonly tasks = new Map<number, string>();

  constructor(private readonly executionId: string) {}

  /** The lifecycle event of `e` (sequence number `seq`), if it has one. */
  derive(seq: number, e: HistoryEvent): CloudEvent | undefined {
    const base = (type: string, data: Record<string, unknown>): CloudEvent => ({
      specversion: '1.0',
      id: `${this.executionId}/${seq}`,
      source: `/api/v1/executions/${this.executionId}`,
      type: `${prefix}${type}.v1`,
      time: new Date(e.time).toISOString(),
      subject: this.executionId,
      datacontenttype: 'application/json',
      data: JSON.parse(JSON.stringify({ execution: this.executionId, ...data })),
    });
    const task = (effectId: number, status: string, more: Record<string, unknown> = {}) => {
      const taskId = this.tasks.get(effectId);
      return base(`task.${status}`, { ...(taskId ? { task: taskId } : {}), effectId, ...more });
    };
    switch (e.type) {
      case 'ExecutionStarted':
        return base('workflow.started', { workflow: e.workflow, input: e.input });
      case 'ExecutionCompleted':
        return base('workflow.completed', { output: e.output });
      case 'ExecutionFaulted':
        return base('workflow.faulted', { error: e.error });
      case 'ExecutionCancelled':
        return base('workflow.cancelled', e.reason === undefined ? {} : { reason: e.reason });
      case 'TaskStarted':
      case 'ListenStarted':
      case 'ChildStarted':
        this.tasks.set(e.effectId, e.taskId);
        return task(e.effectId, 'started');
      case 'TimerStarted':
        // retry and timeout timers are bookkeeping of another task, not a task
        if (e.purpose !== 'wait') return undefined;
        this.tasks.set(e.effectId, e.taskId);
        return task(e.effectId, 'started');
      case 'TaskCompleted':
        return task(e.effectId, 'completed', { output: e.result });
      case 'ChildCompleted':
        return task(e.effectId, 'completed', { output: e.output });
      case 'ListenCompleted':
        return task(e.effectId, 'completed');
      case 'TimerFired':
        return this.tasks.has(e.effectId) ? task(e.effectId, 'completed') : undefined;
      case 'TaskFaulted':
      case 'ChildFaulted':
        return task(e.effectId, 'faulted', { error: e.error });
      case 'EffectCancelled':
        return task(e.effectId, 'cancelled');
      case 'EventReceived':
      case 'ExecutionCancelRequested':
        return undefined;
      default: {
        const never: never = e;
        return never;
      }
    }
  }
}
