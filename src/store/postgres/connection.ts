// Talking to PostgreSQL through a pool, riding over lost connections (a backend killed
// by an operator, a server restart, a network blip): an operation whose connection is
// lost is tried again on a fresh connection, with backoff, for up to `retryBudgetMs`.
//
// A transaction is retried only when the loss happened before COMMIT was sent; a loss
// during COMMIT leaves the outcome unknown, so that error goes to the caller (a
// StoreBusyError, retryable: the engine reloads the execution, and the sequence check
// turns an already-applied commit into a SequenceMismatchError, never a duplicate).

import type pg from 'pg';
import { StoreBusyError } from '../errors.js';

const lostCodes = new Set([
  '57P01', // admin_shutdown (pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up or shutting down)
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '25P03', // idle_in_transaction_session_timeout: this session was paused mid-transaction
  '40P01', // deadlock_detected: nothing was written, trying again is right
]);
const lostMessages =
  /Connection terminated|ECONNRESET|ECONNREFUSED|EPIPE|not queryable|connection error|timeout exceeded when trying to connect/i;

/**
 * The server refused for want of a resource, not because of the data: class 53
 * (insufficient resources: disk_full 53100, out_of_memory 53200, too_many_connections
 * 53300) and class 58 (system errors: io_error 58030). The transaction was rolled back, so
 * nothing of it was committed (also when COMMIT itself got the error): it is tried again
 * like a lost connection, then fails as StoreBusyError, and the engine resumes the
 * execution from its history instead of faulting it (docs/guarantees.md).
 */
export function isResourceShortage(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^5[38][0-9A-Z]{3}$/.test(code);
}

export function isConnectionLoss(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (!e) return false;
  if (typeof e.code === 'string' && (lostCodes.has(e.code) || lostMessages.test(e.code))) {
    return true;
  }
  return typeof e.message === 'string' && lostMessages.test(e.message);
}

const ignore = () => undefined;
const asyncBegin = 'BEGIN; SET LOCAL synchronous_commit = off';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Retry {
  /** How long to keep trying a lost connection before giving up (ms). */
  budgetMs: number;
}

async function backoff(attempt: number, started: number, retry: Retry, error: unknown) {
  const wait = Math.min(50 * 2 ** attempt, 1000);
  if (Date.now() + wait - started > retry.budgetMs) {
    throw new StoreBusyError(
      `PostgreSQL ${isResourceShortage(error) ? 'refused for want of a resource' : 'unreachable'} ` +
        `for ${retry.budgetMs} ms: ${(error as Error).message}`,
      { cause: error },
    );
  }
  await sleep(wait);
}

/**
 * The COMMIT (or one-statement step) never reached the server, so nothing was committed
 * (retryable, not unknown):
 * - pg refuses a query on a connection it already knows is dead without sending it
 *   ("not queryable");
 * - EPIPE: the socket's write failed because the server had already closed the
 *   connection (it answered an earlier write with a reset), so nothing written from then
 *   on, COMMIT included, was read by it. Seen when a process paused past
 *   idle_in_transaction_session_timeout wakes (the server ended that session meanwhile)
 *   and pipelines a transaction onto the dead connection before it has read the close.
 * Even if a COMMIT had been applied after all, its retry could not apply it twice: a
 * commit's sequence check (SequenceMismatchError) and an execution's id (ConflictError)
 * refuse a second copy.
 */
export function neverSent(error: unknown): boolean {
  const e = error as { message?: unknown; code?: unknown } | undefined;
  return e?.code === 'EPIPE' || /not queryable/i.test(String(e?.message ?? ''));
}

/**
 * A statement of a pipelined transaction fails with 25P02 ("current transaction is
 * aborted") when one sent before it failed: that earlier error is the cause, and the one
 * the caller must see (a disk_full is retried; "transaction is aborted" would fault the
 * execution). Rethrows the cause.
 */
async function rootCause(error: unknown, inFlight: readonly Promise<unknown>[]): Promise<never> {
  if ((error as { code?: unknown } | null)?.code === '25P02') {
    for (const s of await Promise.allSettled(inFlight)) {
      if (s.status === 'rejected' && (s.reason as { code?: unknown })?.code !== '25P02')
        throw s.reason;
    }
  }
  throw error;
}

/** One statement on any pooled connection; retried on a lost connection when `retry`. */
export async function query<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  retry: Retry | undefined,
  sql: string,
  params: unknown[] = [],
): Promise<pg.QueryResult<R>> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await pool.query<R>(sql, params);
    } catch (error) {
      if (!retry || !(isConnectionLoss(error) || isResourceShortage(error))) throw error;
      await backoff(attempt, started, retry, error);
    }
  }
}

/**
 * Statements a transaction's body sent without waiting for them (their results are not
 * needed): they go out pipelined behind each other and behind COMMIT, which waits for
 * them all. Present only on a pipelining connection (`Pipeline`).
 */
export type Defer = (statement: Promise<unknown>) => void;

/** Whether `client` pipelines (pg's `pipeline` option, set on the store's pool). */
export function pipelines(client: pg.ClientBase): boolean {
  return (client as { pipeline?: boolean }).pipeline === true;
}

/**
 * Runs `body` in BEGIN ... COMMIT on one connection; ROLLBACK when it throws.
 * On a pipelining connection BEGIN is not waited for (it goes out with the body's first
 * statements) and `defer` lets the body leave its last writes in flight to go out with
 * COMMIT: a step's commit is two round trips (BEGIN + locks, writes + COMMIT), not six.
 * A deferred statement that fails aborts the transaction, so the COMMIT behind it rolls
 * back; its error is what the caller gets.
 * `asyncCommit`: COMMIT does not wait for the WAL flush (synchronous_commit = off). Only
 * for writes whose loss in a server crash is harmless: claims, lease renewals and
 * releases. A lost claim leaves the item unclaimed, and the fence check refuses the
 * worker's later write (LeaseLostError); a lost renewal shortens a lease, the same way.
 * It saves one WAL flush (5-7 ms on the dev VM) per claim.
 */
export async function transaction<T>(
  pool: pg.Pool,
  retry: Retry,
  body: (client: pg.PoolClient, defer: Defer | undefined) => Promise<T>,
  options: { asyncCommit?: boolean } = {},
): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    let client: pg.PoolClient | undefined;
    let committing = false;
    try {
      // Its connection errors reach us through its queries: the store's pool gives every
      // connection a lifelong 'error' listener (open.ts), so a kill cannot crash us.
      client = await pool.connect();
      const inFlight: Promise<unknown>[] = [];
      const pipelined = pipelines(client);
      const begin = client.query(options.asyncCommit ? asyncBegin : 'BEGIN');
      if (pipelined) {
        begin.catch(ignore); // awaited below; the body's statements fail the same way
        inFlight.push(begin);
      } else await begin;
      const defer: Defer | undefined = pipelined
        ? (statement) => {
            statement.catch(ignore);
            inFlight.push(statement);
          }
        : undefined;
      const value = await body(client, defer).catch((e: unknown) => rootCause(e, inFlight));
      committing = true;
      const settled = await Promise.allSettled([...inFlight, client.query('COMMIT')]);
      const commit = settled.pop()!;
      if (commit.status === 'rejected' && neverSent(commit.reason)) committing = false;
      // A statement that failed rolled the transaction back: its error is the outcome.
      for (const s of settled) if (s.status === 'rejected') throw s.reason;
      if (commit.status === 'rejected') throw commit.reason;
      client.release();
      return value;
    } catch (error) {
      if (isConnectionLoss(error)) {
        client?.release(error as Error);
        if (committing) {
          throw new StoreBusyError(
            `the connection to PostgreSQL was lost during COMMIT: the outcome is unknown; ` +
              `reload and retry (${(error as Error).message})`,
            { cause: error },
          );
        }
        await backoff(attempt, started, retry, error);
        continue;
      }
      if (isResourceShortage(error)) {
        // the server answered: the transaction is rolled back, the connection is sound
        await client?.query('ROLLBACK').catch(ignore);
        client?.release();
        await backoff(attempt, started, retry, error);
        continue;
      }
      if (client) {
        try {
          await client.query('ROLLBACK');
          client.release();
        } catch (rollbackError) {
          client.release(rollbackError as Error);
        }
      }
      throw error;
    }
  }
}
