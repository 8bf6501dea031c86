// Executions driven by another worker (or waiting for one): this process learns how they
// end by reading their stored status, and asks for cancel, suspend and resume through the
// store. A request is one commit against the execution's current sequence number that
// records it (ExecutionCancelRequested, or the new status) and puts the run item back
// UNCLAIMED: the holder's next commit is refused (its claim is gone), and whichever worker
// claims the item next resumes the execution from a history that has the request in it.
// A holder that is only waiting (a timer, a listen) learns it at the next claim round:
// re-claiming an execution it drives makes it drop its stale runner (Attacher.claimed).
// An execution that has not taken a step yet is cancelled at once instead (cancelNow).
// On SQLite the holder's commits carry no lease: the serving process learns of a request
// from the mark on the run item (`payload.request`) at its next claim round
// (Attacher.claimed), and a cancel also fails its next commit's sequence check.
import { SequenceMismatchError } from '../../store/errors.js';
import type { ExecutionWrite, Store } from '../../store/types.js';
import type { Outcome } from '../started.js';
import { runKey } from './claims.js';
import { outcomeOf } from './failures.js';

export type RemoteRequest = 'cancel' | 'suspend' | 'resume';

/** The commit that cancels an execution that has not taken a step (nextSeq 2). */
function cancelNow(id: string, now: number, reason: string | undefined): ExecutionWrite {
  return {
    executionId: id,
    expectedNextSeq: 2,
    events: [
      { v: 1, type: 'ExecutionCancelled', time: now, ...(reason !== undefined ? { reason } : {}) },
    ],
    status: reason !== undefined ? { state: 'cancelled', reason } : { state: 'cancelled' },
  };
}

export class RemoteOutcomes {
  /** Watched executions and who waits for each. */
  private readonly watched = new Map<string, ((o: Outcome) => void)[]>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly pollMs: number,
  ) {}

  /**
   * Settles when the stored status is terminal (never for a parked execution). Every
   * watched execution is read in the same tick each pollMs, so the PostgreSQL store makes
   * one statement of them (point reads coalesce), not one query per execution.
   */
  outcome(id: string): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      if (this.closed) return;
      const waiting = this.watched.get(id);
      if (waiting) waiting.push(resolve);
      else this.watched.set(id, [resolve]);
      this.timer ??= setInterval(() => void this.poll(), this.pollMs);
      void this.poll([id]);
    });
  }

  private async poll(only?: readonly string[]): Promise<void> {
    if (this.closed || (only === undefined && this.polling)) return;
    if (only === undefined) this.polling = true;
    try {
      const ids = only ?? [...this.watched.keys()];
      const records = await Promise.all(
        ids.map((id) => this.store.getExecution(id).catch(() => undefined)),
      );
      ids.forEach((id, i) => {
        const record = records[i];
        const done = record && outcomeOf(record.status);
        const waiting = this.watched.get(id);
        if (!done || !waiting) return;
        this.watched.delete(id);
        for (const resolve of waiting) resolve(done);
      });
      if (this.watched.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    } finally {
      if (only === undefined) this.polling = false;
    }
  }

  /**
   * Records the request for an execution this process does not drive. Returns false when
   * the execution is not in a state the request applies to (finished, or resume of a
   * running one is a no-op that returns true).
   */
  async request(id: string, kind: RemoteRequest, now: number, reason?: string): Promise<boolean> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const record = await this.store.getExecution(id);
      if (!record) return false;
      const state = record.status.state;
      if (state !== 'running' && state !== 'suspended') return kind === 'cancel';
      if (kind === 'suspend' && state === 'suspended') return true;
      if (kind === 'resume' && state === 'running') return true;
      if (kind === 'cancel' && record.nextSeq === 2) {
        // Not started yet (only ExecutionStarted is recorded: queued behind a backlog, or
        // waiting for a concurrency slot): nothing runs, so it ends here. A request would
        // wait for a worker to claim it, and a claim for a free slot. A worker that takes
        // its first step meanwhile wins the sequence check, and the next round asks it.
        try {
          await this.store.commit({ now, writes: [cancelNow(id, now, reason)] });
          return true;
        } catch (e) {
          if (!(e instanceof SequenceMismatchError)) throw e;
          continue;
        }
      }
      const write: ExecutionWrite = {
        executionId: id,
        expectedNextSeq: record.nextSeq,
        // the payload tells a holder that drives everything (SQLite) that the claim it
        // finds on an execution it drives is a request, not its own claim coming back
        addWork: [{ key: runKey, kind: 'ready', dueAt: now, payload: { request: kind } }],
        ...(kind === 'cancel'
          ? {
              events: [
                {
                  v: 1,
                  type: 'ExecutionCancelRequested',
                  time: now,
                  ...(reason !== undefined ? { reason } : {}),
                },
              ],
              // a suspended execution is let go, so that it can run its cancellation (as
              // Attacher.cancel does for one driven here)
              ...(state === 'suspended' ? { status: { state: 'running' as const } } : {}),
            }
          : { status: { state: kind === 'suspend' ? 'suspended' : 'running' } }),
      };
      try {
        await this.store.commit({ now, writes: [write] });
        return true;
      } catch (e) {
        if (!(e instanceof SequenceMismatchError)) throw e;
        // the holder committed a step meanwhile: read the new head and try again
      }
    }
    throw new Error(`execution ${id}: could not record the ${kind} request (too much contention)`);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.watched.clear();
  }
}
