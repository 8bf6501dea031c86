// The point reads of attaching an execution, coalesced (coalesce.ts): getExecution, a
// whole loadHistory and noteRecoveryAttempt calls made in the same tick are one
// `= ANY($1)` statement each; so are loadHistory calls with a cursor (`after`: the
// tails of open streams, the server's history feed). The lookups do not go through the store's closed check:
// close() waits for the calls already made.

import type pg from 'pg';
import { Coalescer } from './coalesce.js';
import { query, type Retry } from './connection.js';
import type { HistoryRow } from './queries.js';
import type { ExecutionRow } from './rows.js';
import * as executions from './sql/executions.js';
import * as history from './sql/history.js';

export class PointReads {
  private recoveryNow = 0;
  private readonly rows: Coalescer<ExecutionRow>;
  private readonly histories: Coalescer<HistoryRow[]>;
  private readonly recoveries: Coalescer<number>;
  private readonly tails: Coalescer<HistoryRow[]>;

  constructor(pool: pg.Pool, retry: Retry) {
    this.rows = new Coalescer(async (ids) => {
      const { rows } = await query<ExecutionRow>(pool, retry, executions.selectExecutions, [ids]);
      return new Map(rows.map((row) => [row.id, row]));
    });
    this.histories = new Coalescer(async (ids) => {
      const { rows } = await query<HistoryRow & { execution_id: string }>(
        pool,
        retry,
        history.selectHistories,
        [ids],
      );
      const byId = new Map<string, HistoryRow[]>();
      for (const { execution_id: id, seq, body } of rows) {
        let list = byId.get(id);
        if (!list) byId.set(id, (list = []));
        list.push({ seq, body });
      }
      return byId;
    });
    this.tails = new Coalescer(async (keys) => {
      const cursors = keys.map((k) => JSON.parse(k) as [string, number]);
      const { rows } = await query<HistoryRow & { k: string }>(
        pool,
        retry,
        history.selectHistoriesAfter,
        [keys, cursors.map((c) => c[0]), cursors.map((c) => c[1])],
      );
      const byKey = new Map<string, HistoryRow[]>();
      for (const { k, seq, body } of rows) {
        let list = byKey.get(k);
        if (!list) byKey.set(k, (list = []));
        list.push({ seq, body });
      }
      return byKey;
    });
    // Not retried on a lost connection: the increments may have happened.
    this.recoveries = new Coalescer(
      async (ids, calls) => {
        const { rows } = await query<{ id: string; recovery_attempts: number }>(
          pool,
          undefined,
          executions.incrementRecoveryAttemptsOf,
          [this.recoveryNow, ids, calls],
        );
        return new Map(rows.map((row) => [row.id, row.recovery_attempts]));
      },
      { counted: true },
    );
  }

  execution(id: string): Promise<ExecutionRow | undefined> {
    return this.rows.get(id);
  }

  /** The whole history's rows (none: the caller checks whether the execution exists). */
  history(id: string): Promise<HistoryRow[] | undefined> {
    return this.histories.get(id);
  }

  /** The rows after seq `after` (none: the caller checks whether the execution exists). */
  historyAfter(id: string, after: number): Promise<HistoryRow[] | undefined> {
    return this.tails.get(JSON.stringify([id, after]));
  }

  /** The new recovery attempt count, undefined when the execution does not exist. */
  noteRecoveryAttempt(id: string, now: number): Promise<number | undefined> {
    this.recoveryNow = now; // calls coalesced into one statement record the last one's time
    return this.recoveries.get(id);
  }
}
