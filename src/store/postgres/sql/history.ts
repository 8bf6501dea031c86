// SQL for the history table: one statement per constant, values always bound.

/** Every event of a commit, all executions together, in one statement. */
export const insertEvents = `INSERT INTO history (execution_id, seq, type, v, time, body)
SELECT e, s, t, v, ti, b
FROM unnest($1::text[], $2::integer[], $3::text[], $4::integer[], $5::bigint[], $6::text[])
  AS u(e, s, t, v, ti, b)`;

/** LIMIT NULL reads to the end. */
export const selectHistory = `SELECT seq, body FROM history
WHERE execution_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`;

/** Whole histories of several executions (loadHistory calls that arrive together). */
export const selectHistories = `SELECT execution_id, seq, body FROM history
WHERE execution_id = ANY($1::text[]) ORDER BY execution_id, seq`;

/**
 * The events after a cursor of several executions (loadHistory calls with `after` that
 * arrive together: the tails of open streams). $1 the callers' keys, $2 the execution
 * ids, $3 the cursors, all in the same order.
 */
export const selectHistoriesAfter = `SELECT c.k, h.seq, h.body
FROM unnest($1::text[], $2::text[], $3::integer[]) AS c(k, id, after)
JOIN history h ON h.execution_id = c.id AND h.seq > c.after
ORDER BY c.k, h.seq`;
