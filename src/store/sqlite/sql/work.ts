// SQL for the work table: one statement per constant, values always bound.
// `available_at` is when an item can next be claimed: `due_at`, or the lease's end
// while it is claimed (migration 10).

/** Adding an existing key replaces the item and its claim (none, or the one given). */
export const upsertWork = `INSERT INTO work (execution_id, key, kind, due_at, available_at, payload, priority, claimed_by, lease_until)
VALUES (@executionId, @key, @kind, @dueAt, coalesce(@leaseUntil, @dueAt), @payload, @priority, @claimedBy, @leaseUntil)
ON CONFLICT (execution_id, key) DO UPDATE SET
  kind = excluded.kind, due_at = excluded.due_at, available_at = excluded.available_at,
  payload = excluded.payload, priority = excluded.priority, claimed_by = excluded.claimed_by,
  lease_until = excluded.lease_until`;

/** Exclusive store (one process): claims of a process that is gone are void. */
export const resetClaims = `UPDATE work SET claimed_by = NULL, lease_until = NULL, available_at = due_at
WHERE claimed_by IS NOT NULL`;

/** Unfinished executions without a run item (written before run items existed) get one. */
export const addMissingRunItems = `INSERT INTO work (execution_id, key, kind, due_at, available_at, payload, priority)
SELECT e.id, 'run', 'ready', @now, @now, NULL, e.priority FROM executions e
WHERE e.state IN ('running', 'suspended')
  AND NOT EXISTS (SELECT 1 FROM work w WHERE w.execution_id = e.id AND w.key = 'run')`;

export const deleteWork = `DELETE FROM work WHERE execution_id = ? AND key = ?`;

/** A finished execution has nothing left to do. */
export const deleteAllWork = `DELETE FROM work WHERE execution_id = ?`;

/**
 * Claims available work in one statement, priority first, then availability, by a
 * range scan of work_by_claim_order. With 100K waiting timers, claiming 50 due ones
 * takes ~0.3 ms (no sort of the waiting ones; EXPLAIN QUERY PLAN checked).
 */
export const claimWork = `UPDATE work
SET claimed_by = @worker, lease_until = @leaseUntil, available_at = @leaseUntil
WHERE rowid IN (
  SELECT rowid FROM work
  WHERE available_at <= @now
    AND (@kinds IS NULL OR kind IN (SELECT value FROM json_each(@kinds)))
  ORDER BY priority DESC, available_at
  LIMIT @limit
)
RETURNING *`;

/** Only the holder's items move (STYLE.md 7: guarded by ownership). */
export const releaseWork = `UPDATE work SET claimed_by = NULL, lease_until = NULL, available_at = due_at
WHERE execution_id = ? AND key = ? AND claimed_by = ?`;

/** Fencing check: who holds the item now. */
export const selectWorkHolder = `SELECT claimed_by FROM work WHERE execution_id = ? AND key = ?`;

export const renewLease = `UPDATE work SET lease_until = ?, available_at = ?
WHERE execution_id = ? AND key = ? AND claimed_by = ?`;

export const selectDueTimers = `SELECT * FROM work
WHERE kind = 'timer' AND due_at <= ? ORDER BY due_at LIMIT ?`;

/** When the next item becomes claimable: its due time, or its lease's end if claimed. */
export const selectNextDue = `SELECT min(available_at) FROM work`;
