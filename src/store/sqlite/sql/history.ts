// SQL for the history table: one statement per constant, values always bound.
//
// A row's key is k = (xid << 20) | seq (migration 16): `xid` is the execution's integer
// key, so one execution's events are one range of k, read and appended in key order.
// The arithmetic stays in SQL: k passes 2^53 (JavaScript's exact integers) once xid
// passes 2^33.

/** Bits of seq in a history key: an execution has at most 2^20 - 1 events on SQLite. */
export const seqBits = 20;
export const maxSeq = 2 ** seqBits - 1;
/** The most executions a file can ever hold (xid, the first 43 of 63 bits). */
export const maxXid = 2 ** (63 - seqBits) - 1;

/** Positional: xid, seq, type, v, time, total (history bytes through it), body. */
export const insertEvent = `INSERT INTO history (k, type, v, time, total, body)
VALUES ((? << ${seqBits}) | ?, ?, ?, ?, ?, ?)`;

/** Named: id, after (seq), limit. */
export const selectHistory = `SELECT (k & ${maxSeq}) AS seq, body FROM history
WHERE k > (((SELECT xid FROM executions WHERE id = @id) << ${seqBits}) | @after)
  AND k <= (((SELECT xid FROM executions WHERE id = @id) << ${seqBits}) | ${maxSeq})
ORDER BY k LIMIT @limit`;

/** Every event of one execution (pruning). Named: xid. */
export const deleteHistory = `DELETE FROM history
WHERE k BETWEEN (@xid << ${seqBits}) AND ((@xid << ${seqBits}) | ${maxSeq})`;

/**
 * The newest history row of the execution `x` (an alias in the enclosing query): a LEFT
 * JOIN that adds `h`, whose seq is the last one and whose `total` is the history's bytes.
 * One seek to the end of the execution's range, then one rowid lookup.
 */
export const joinTail = `LEFT JOIN history h ON h.k = (SELECT k FROM history
  WHERE k BETWEEN (x.xid << ${seqBits}) AND ((x.xid << ${seqBits}) | ${maxSeq})
  ORDER BY k DESC LIMIT 1)`;

/**
 * What a record of an execution shows of its history (rows.ts toExecution): the next
 * seq, the bytes, and the time of the newest event (updatedAt is the later of that and
 * the row's updated_at, which moves only when the status changes).
 */
export const tailColumns = `coalesce((h.k & ${maxSeq}), 0) + 1 AS next_seq,
  coalesce(h.total, 0) AS history_bytes, h.time AS last_event_at`;
