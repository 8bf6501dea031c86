// SQL for the executions table: one statement per constant, values always bound.

/** Which of the executions (a JSON array of ids) have ended (SqliteStore.endedAmong). */
export const selectEndedAmong = `SELECT id FROM executions
WHERE id IN (SELECT value FROM json_each(?)) AND state IN ('completed', 'faulted', 'cancelled')`;

/** Positional, in column order; created_at is also the first updated_at. */
export const insertExecution = `INSERT INTO executions (id, namespace, name, version, hash, input,
  state, status, idempotency_key, parent_id, priority, next_seq, history_bytes, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Whether an execution waits for its first admission: a limit slot no claim admitted yet. */
const awaitingAdmission = `EXISTS (SELECT 1 FROM limit_slots l
  WHERE l.execution_id = executions.id AND l.admitted_at IS NULL) AS awaiting_admission`;

export const selectExecution = `SELECT *, ${awaitingAdmission} FROM executions WHERE id = ?`;

export const selectExecutionByKey = `SELECT *, ${awaitingAdmission} FROM executions
WHERE idempotency_key = ?`;

/** The row a commit checks: sequence, size, state (and priority for new work), and its
 *  rowid, so the update that follows finds the row without the id index again. */
export const selectWriteHead = `SELECT rowid, next_seq, history_bytes, state, priority FROM executions WHERE id = ?`;

/**
 * Advances one execution after a commit that sets its status. Positional parameters:
 * nextSeq, historyBytes, state, status, recoveryAttempts (null: unchanged), now, rowid.
 */
export const updateExecutionHead = `UPDATE executions SET
  next_seq = ?,
  history_bytes = ?,
  state = ?,
  status = ?,
  recovery_attempts = coalesce(?, recovery_attempts),
  updated_at = ?
WHERE rowid = ?`;

/**
 * Advances one execution after a commit that leaves its status alone (most steps): it
 * does not touch `state`, so the executions_by_state index is not rewritten. Positional
 * (named parameters cost ~2 µs more per step in better-sqlite3): nextSeq, historyBytes,
 * recoveryAttempts (null: unchanged), now, rowid.
 */
export const advanceExecution = `UPDATE executions SET
  next_seq = ?,
  history_bytes = ?,
  recovery_attempts = coalesce(?, recovery_attempts),
  updated_at = ?
WHERE rowid = ?`;

export const incrementRecoveryAttempts = `UPDATE executions
SET recovery_attempts = recovery_attempts + 1, updated_at = ?
WHERE id = ? RETURNING recovery_attempts`;

/**
 * One page of executions, newest first. Optional filters are `? IS NULL OR ...` so
 * the statement stays one constant; `states` is a JSON array read by json_each.
 */
export const listExecutions = `SELECT * FROM executions
WHERE (@namespace IS NULL OR namespace = @namespace)
  AND (@name IS NULL OR name = @name)
  AND (@version IS NULL OR version = @version)
  AND (@parentId IS NULL OR parent_id = @parentId)
  AND (@states IS NULL OR state IN (SELECT value FROM json_each(@states)))
  AND (@cursorCreated IS NULL OR created_at < @cursorCreated
       OR (created_at = @cursorCreated AND id < @cursorId))
ORDER BY created_at DESC, id DESC
LIMIT @limit`;

export const selectUnfinished = `SELECT * FROM executions
WHERE state IN ('running', 'suspended') AND id > ?
ORDER BY id LIMIT ?`;

/**
 * Executions that ended before @before (retention), oldest first, at most @limit: a range
 * of executions_by_created (an execution that ended before @before was created before it).
 */
export const selectPrunable = `SELECT id FROM executions
WHERE created_at < @before AND updated_at < @before
  AND state IN ('completed', 'faulted', 'cancelled')
ORDER BY created_at LIMIT @limit`;

export const deleteExecution = `DELETE FROM executions WHERE id = ?`;
