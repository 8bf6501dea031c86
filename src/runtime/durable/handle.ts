// What start() and handle() return: the execution's id and stored record, its pinned
// workflow, whether this call created it (false for a repeated idempotency key), and its
// outcome.
import type { Json, WorkflowRef } from '../../history/events.js';
import type { ExecutionRecord } from '../../store/types.js';
import { ExecutionFaultedError } from '../errors.js';
import { problem } from '../problems.js';
import type { Outcome } from '../started.js';
import type { Attacher, Live } from './attach.js';

export class DurableHandle {
  constructor(
    /** The stored record when the handle was made (as created, for a new execution). */
    readonly record: ExecutionRecord,
    readonly created: boolean,
    private readonly live: Live,
    private readonly attacher: Attacher,
  ) {}

  get id(): string {
    return this.record.id;
  }

  /** The workflow version it is pinned to. */
  get workflow(): WorkflowRef {
    const { namespace, name, version } = this.record.workflow;
    return { namespace, name, version };
  }

  /** Settles when the execution ends (never for a parked one), never rejects. */
  get outcome(): Promise<Outcome> {
    return this.attacher.outcomeOf(this.live);
  }

  /** Parked (determinism or dead-letter) when this process found it so. */
  get parked(): 'determinism' | 'dead-letter' | undefined {
    return this.attacher.current(this.live).parked;
  }

  /** The output, or throws ExecutionFaultedError (a cancelled execution too). */
  async result(): Promise<Json> {
    const o = await this.outcome;
    if (o.status === 'completed') return o.output;
    if (o.status === 'faulted') throw new ExecutionFaultedError(this.id, o.error);
    throw new ExecutionFaultedError(
      this.id,
      problem('runtime', 'Execution cancelled', o.reason ?? `execution ${this.id} was cancelled`),
    );
  }

  cancel(reason?: string): Promise<void> {
    return this.attacher.cancel(this.id, reason);
  }
}
