// The one-statement step. Most commits of an execution that runs alone (a chain of
// steps, nothing else committing at the moment) append events under a one-key lease and
// change nothing else. The general path (committer.ts, writes.ts) spends two pipelined
// round trips and a transaction on them: BEGIN + lock heads + lock holders, then insert
// + update + COMMIT. This path sends one statement in autocommit (sql/step.ts) that
// locks, checks and writes. When a check fails, nothing is written and the commit takes
// the general path, which finds the same failure and throws its precise error
// (LeaseLostError, SequenceMismatchError, LimitExceededError, ConflictError), or
// succeeds if the state moved on meanwhile: the outcome is what the general path alone
// would give.

import type pg from 'pg';
import { StoreBusyError } from '../errors.js';
import type { StoreLimits } from '../limits.js';
import type { PreparedBatch, PreparedWrite } from '../prepare.js';
import { terminalStates } from '../types.js';
import { isConnectionLoss, isResourceShortage, neverSent } from './connection.js';
import { historyPayloads } from './history-feed.js';
import { appendStep } from './sql/step.js';
import type { FencedLease } from './writes.js';

/** The write of a batch that the one statement can carry, or undefined. */
export function singleStep(batch: PreparedBatch): PreparedWrite | undefined {
  if (batch.creates.length > 0 || batch.cache.length > 0 || batch.writes.length !== 1) {
    return undefined;
  }
  const w = batch.writes[0]!;
  const lease = w.write.lease;
  if (
    w.events.length === 0 ||
    w.status !== undefined ||
    w.addWork.length > 0 ||
    (w.write.removeWork?.length ?? 0) > 0 ||
    lease?.keys.length !== 1
  ) {
    return undefined;
  }
  return w;
}

/**
 * Runs the one statement. Resolves with the next sequence number when it was applied,
 * undefined when a check failed (nothing written: take the general path). A connection
 * lost while it ran leaves the outcome unknown: StoreBusyError, as for a lost COMMIT.
 */
export async function appendOneStep(
  pool: pg.Pool,
  limits: StoreLimits,
  prepared: PreparedWrite,
  now: number,
  historyChannel: string,
): Promise<number | undefined> {
  const { write, events } = prepared;
  const first = write.expectedNextSeq;
  const [payload] = historyPayloads([
    { executionId: write.executionId, firstSeq: first, lastSeq: first + events.length - 1 },
  ]);
  const lease = write.lease as FencedLease;
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    if (isConnectionLoss(error)) return undefined; // nothing sent: the general path retries
    throw error;
  }
  // Its connection errors reach us through the statement's rejection: the store's pool
  // gives every connection a lifelong 'error' listener (open.ts).
  let released = false;
  try {
    const { rows } = await client.query<{ applied: number }>(appendStep, [
      write.executionId,
      lease.keys[0],
      lease.worker,
      lease.fences?.[0] ?? null,
      write.expectedNextSeq,
      events.length,
      limits.maxHistoryEvents,
      prepared.eventBytes,
      limits.maxHistoryBytes,
      events.map((e) => e.type),
      events.map((e) => e.v),
      events.map((e) => e.time),
      events.map((e) => e.body),
      write.recoveryAttempts ?? null,
      now,
      terminalStates,
      historyChannel,
      payload ?? null,
    ]);
    return rows[0]!.applied === 1 ? write.expectedNextSeq + events.length : undefined;
  } catch (error) {
    if (isConnectionLoss(error)) {
      client.release(error as Error);
      released = true;
      if (neverSent(error)) return undefined; // nothing reached the server: general path
      throw new StoreBusyError(
        `the connection to PostgreSQL was lost during a commit: the outcome is unknown; ` +
          `reload and retry (${(error as Error).message})`,
        { cause: error },
      );
    }
    // refused for want of a resource: nothing applied; the general path retries it
    if (isResourceShortage(error)) return undefined;
    throw error;
  } finally {
    if (!released) client.release();
  }
}
