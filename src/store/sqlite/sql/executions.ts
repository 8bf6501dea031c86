// SQL for the executions table: one statement per constant, values always bound.
//
// An execution's next seq and history bytes are not columns: they come from its newest
// history row (history.ts joinTail, migration 16), so a step that leaves the status
// alone writes no executions row. The queries that return records alias the table `x`.

import { joinTail, maxSeq, tailColumns } from './history.js';

/** Which of the executions (a JSON array of ids) have ended (SqliteStore.endedAmong). */
export const selectEndedAmong = `SELECT id FROM executions
WHERE id IN (SELECT value FROM json_each(?)) AND state IN ('completed', 'faulted', 'cancelled')`;

/**
 * Positional, in column order; created_at is also the first updated_at. Its xid is the
 * run's lastInsertRowid.
 */
export const insertExecution = `INSERT INTO executions (id, namespace, name, version, hash, input,
  state, status, idempotency_key, parent_id, priority, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Whether an execution waits for its first admission: a limit slot no claim admitted yet. */
const awaitingAdmission = `EXISTS (SELECT 1 FROM limit_slots l
  WHERE l.execution_id = x.id AND l.admitted_at IS NULL) AS awaiting_admission`;

/** A record's columns (rows.ts ExecutionRow), from `executions x` and its tail `h`. */
const record = `x.*, ${tailColumns}`;

export const selectExecution = `SELECT ${record}, ${awaitingAdmission}
FROM executions x ${joinTail} WHERE x.id = ?`;

export const selectExecutionByKey = `SELECT ${record}, ${awaitingAdmission}
FROM executions x ${joinTail} WHERE x.idempotency_key = ?`;

/** Whether an execution exists (by id). */
export const selectExists = `SELECT 1 FROM executions WHERE id = ?`;

/**
 * What a commit checks of one execution, in one statement: its key and state, its
 * priority (for new work), its recovery attempts (written only when they change), and
 * from its newest history row the last seq and the history's bytes. Read only when the
 * connection has not kept the head from its own last write (heads.ts).
 */
export const selectWriteHead = `SELECT x.xid, x.state, x.priority, x.recovery_attempts,
  coalesce((h.k & ${maxSeq}), 0) AS last_seq, coalesce(h.total, 0) AS total
FROM executions x ${joinTail} WHERE x.id = ?`;

/**
 * Sets the status of one execution (a step that ends, suspends, parks, ...). Positional:
 * state, status, recoveryAttempts (null: unchanged), now, xid.
 */
export const updateExecutionStatus = `UPDATE executions SET
  state = ?,
  status = ?,
  recovery_attempts = coalesce(?, recovery_attempts),
  updated_at = ?
WHERE xid = ?`;

/** Positional: recoveryAttempts, now, xid. */
export const setRecoveryAttempts = `UPDATE executions SET recovery_attempts = ?, updated_at = ?
WHERE xid = ?`;

export const incrementRecoveryAttempts = `UPDATE executions
SET recovery_attempts = recovery_attempts + 1, updated_at = ?
WHERE id = ? RETURNING recovery_attempts`;

/**
 * One page of executions, newest first. Optional filters are `? IS NULL OR ...` so
 * the statement stays one constant; `states` is a JSON array read by json_each.
 */
export const listExecutions = `SELECT ${record} FROM executions x ${joinTail}
WHERE (@namespace IS NULL OR namespace = @namespace)
  AND (@name IS NULL OR name = @name)
  AND (@version IS NULL OR version = @version)
  AND (@parentId IS NULL OR parent_id = @parentId)
  AND (@states IS NULL OR state IN (SELECT value FROM json_each(@states)))
  AND (@cursorCreated IS NULL OR created_at < @cursorCreated
       OR (created_at = @cursorCreated AND id < @cursorId))
ORDER BY created_at DESC, id DESC
LIMIT @limit`;

export const selectUnfinished = `SELECT ${record} FROM executions x ${joinTail}
WHERE state IN ('running', 'suspended') AND id > ?
ORDER BY id LIMIT ?`;

/**
 * Executions that ended before @before (retention), oldest first, at most @limit: a range
 * of executions_by_created (an execution that ended before @before was created before it).
 */
export const selectPrunable = `SELECT id, xid FROM executions
WHERE created_at < @before AND updated_at < @before
  AND state IN ('completed', 'faulted', 'cancelled')
ORDER BY created_at LIMIT @limit`;

export const deleteExecution = `DELETE FROM executions WHERE id = ?`;
