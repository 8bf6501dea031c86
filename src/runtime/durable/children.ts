// Child executions (sub-workflows, `run: workflow`): a child is an execution of its own,
// created in its parent's commit (lanes.ts: a child exists exactly when its parent
// recorded ChildStarted), driven by the parent's worker unless its workflow has limits,
// and its outcome reaches the parent once (the parent's runner records ChildCompleted in
// its next step and drops late duplicates).
import { randomUUID } from 'node:crypto';
import type { ChildStarted, Json, WorkflowRef } from '../../history/events.js';
import type { NewExecution } from '../../store/types.js';
import type { ChildRun } from '../effects.js';
import { problem, toProblem } from '../problems.js';
import type { RegisteredWorkflow } from '../registry.js';
import type { Outcome } from '../started.js';
import type { Admission } from './admission.js';
import type { Claims } from './claims.js';
import type { Live } from './live.js';
import type { DurableLimits } from './options.js';

export interface ChildrenDeps {
  claims: Claims;
  limits: DurableLimits;
  /** The child's workflow: registered here, or by another process (from the store). */
  resolve(ref: WorkflowRef): Promise<RegisteredWorkflow>;
  validateInput(w: RegisteredWorkflow, input: Json): void;
  /** A child's priority and limit keys (its workflow's `limits`; no namespace limit). */
  admission(w: RegisteredWorkflow, input: Json): Admission;
  /** How deep an execution this process knows is (undefined: not known here). */
  depth(id: string): number | undefined;
  /** The child's Live in this process (attach.ts), undefined when the store lacks it. */
  attach(id: string): Promise<Live | undefined>;
  cancel(id: string, reason?: string): Promise<void>;
}

export class Children {
  /** Why a child could not be created in its parent's commit (reported by its launch). */
  private readonly refused = new Map<string, ReturnType<typeof problem>>();

  constructor(private readonly deps: ChildrenDeps) {}

  /**
   * The execution a ChildStarted creates in the parent's commit; undefined when it cannot
   * be created (unknown workflow, invalid input, too deep): its launch then faults the
   * parent's effect with the reason.
   */
  async record(parentId: string, e: ChildStarted): Promise<NewExecution | undefined> {
    const childId = e.childExecutionId;
    try {
      const parentDepth = this.deps.depth(parentId) ?? 0;
      if (parentDepth + 1 > this.deps.limits.maxDepth)
        throw Object.assign(new Error(), {
          problem: problem(
            'runtime',
            'Sub-workflow depth exceeded',
            `execution ${childId} would be ${parentDepth + 1} levels deep (limit maxDepth = ${this.deps.limits.maxDepth}) at ${e.taskId}`,
            { status: 422 },
          ),
        });
      const w = await this.deps.resolve(e.workflow);
      this.deps.validateInput(w, e.input);
      const workflow = { ...w.ref, hash: w.hash };
      // The parent's worker drives the child too (its run item comes claimed), unless the
      // child's workflow has limits: then a claim admits it when its keys have room, as
      // for a start. Not the namespace limit: a parent holding its namespace's slots while
      // its children wait for one would never finish (docs/extensions.md "limits").
      const { claims } = this.deps;
      const { priority, concurrency, rate } = this.deps.admission(w, e.input);
      const limited = concurrency.length + rate.length > 0;
      if (limited) claims.await(childId);
      else claims.hold(childId);
      return {
        id: childId,
        workflow,
        input: e.input,
        parentId,
        priority,
        ...(concurrency.length > 0 ? { concurrency } : {}),
        ...(rate.length > 0 ? { rate } : {}),
        work: [claims.runItem(!limited)],
        startedEvent: {
          v: 1,
          type: 'ExecutionStarted',
          time: e.time,
          workflow,
          input: e.input,
          seed: randomUUID(),
          parent: { executionId: parentId, effectId: e.effectId },
        },
      };
    } catch (err) {
      const p = (err as { problem?: ReturnType<typeof problem> }).problem;
      this.refused.set(childId, p ?? toProblem(err, 'configuration'));
      return undefined;
    }
  }

  /** The parent's view of a child: attaches it and hands its outcome over. */
  run(childId: string): ChildRun {
    let cancelled: string | undefined;
    let live: Live | undefined;
    const outcome = this.deps.attach(childId).then(
      (l): Promise<Outcome> | Outcome => {
        if (!l) {
          const error =
            this.refused.get(childId) ??
            problem(
              'runtime',
              'Child execution missing',
              `execution ${childId} is not in the store`,
            );
          this.refused.delete(childId);
          return { status: 'faulted', error };
        }
        live = l;
        if (cancelled !== undefined) this.cancel(childId, cancelled);
        return l.outcome;
      },
      (e: unknown): Outcome => ({ status: 'faulted', error: toProblem(e) }),
    );
    return {
      outcome,
      cancel: (reason) => {
        cancelled = reason;
        if (live) this.cancel(childId, reason);
      },
    };
  }

  /** A cancellation that fails (the store is down) leaves the child running, the parent's
   *  own cancellation recorded: nothing to report, and nothing may go unhandled. */
  private cancel(childId: string, reason: string | undefined): void {
    this.deps.cancel(childId, reason).catch(() => undefined);
  }
}
