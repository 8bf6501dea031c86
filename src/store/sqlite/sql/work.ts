// SQL for the work table: one statement per constant, values always bound.

/** Adding an existing key replaces the item and drops its claim. */
export const upsertWork = `INSERT INTO work (execution_id, key, kind, due_at, payload, priority)
VALUES (@executionId, @key, @kind, @dueAt, @payload, @priority)
ON CONFLICT (execution_id, key) DO UPDATE SET
  kind = excluded.kind, due_at = excluded.due_at, payload = excluded.payload,
  priority = excluded.priority, claimed_by = NULL, lease_until = NULL`;

export const deleteWork = `DELETE FROM work WHERE execution_id = ? AND key = ?`;

/** A finished execution has nothing left to do. */
export const deleteAllWork = `DELETE FROM work WHERE execution_id = ?`;

/** Claims due, unleased work in one statement: priority first, then due order. */
export const claimWork = `UPDATE work SET claimed_by = @worker, lease_until = @leaseUntil
WHERE rowid IN (
  SELECT rowid FROM work
  WHERE due_at <= @now
    AND (claimed_by IS NULL OR lease_until <= @now)
    AND (@kinds IS NULL OR kind IN (SELECT value FROM json_each(@kinds)))
  ORDER BY priority DESC, due_at, execution_id, key
  LIMIT @limit
)
RETURNING *`;

/** Only the holder's items move (STYLE.md 7: guarded by ownership). */
export const releaseWork = `UPDATE work SET claimed_by = NULL, lease_until = NULL
WHERE execution_id = ? AND key = ? AND claimed_by = ?`;

export const selectDueTimers = `SELECT * FROM work
WHERE kind = 'timer' AND due_at <= ? ORDER BY due_at, execution_id, key LIMIT ?`;

/** When the next item becomes claimable: its due time, or its lease's end if claimed. */
export const selectNextDue = `SELECT min(CASE WHEN claimed_by IS NULL THEN due_at
  ELSE max(due_at, lease_until) END) FROM work`;
