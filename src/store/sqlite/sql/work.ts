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

/** Who holds claims now (claim-holders.ts decides which of them are gone). */
export const selectClaimHolders = `SELECT DISTINCT claimed_by FROM work WHERE claimed_by IS NOT NULL`;

/** Exclusive store: the claims of a process that is gone are void. */
export const voidClaimsOf = `UPDATE work SET claimed_by = NULL, lease_until = NULL, available_at = due_at
WHERE claimed_by = ?`;

/** Unfinished executions without a run item (written before run items existed) get one. */
export const addMissingRunItems = `INSERT INTO work (execution_id, key, kind, due_at, available_at, payload, priority)
SELECT e.id, 'run', 'ready', @now, @now, NULL, e.priority FROM executions e
WHERE e.state IN ('running', 'suspended')
  AND NOT EXISTS (SELECT 1 FROM work w WHERE w.execution_id = e.id AND w.key = 'run')`;

export const deleteWork = `DELETE FROM work WHERE execution_id = ? AND key = ?`;

/** A finished execution has nothing left to do. */
export const deleteAllWork = `DELETE FROM work WHERE execution_id = ?`;

/**
 * Candidates for a claim, in claim order: priority with aging (60 s per level, the
 * expression of index work_by_rank, migration 15; the same order as PostgreSQL's rank
 * with its default agingSeconds), by a scan of that index (EXPLAIN QUERY PLAN checked). Passes over the
 * work of executions waiting for a full concurrency or rate key (limit_slots), so they
 * do not hold up other keys' work; the claim then admits in order (admission.ts).
 */
export const selectClaimable = `SELECT rowid, execution_id, payload FROM work
WHERE available_at <= @now
  AND (@kinds IS NULL OR kind IN (SELECT value FROM json_each(@kinds)))
  AND NOT EXISTS (
    SELECT 1 FROM limit_slots l WHERE l.execution_id = work.execution_id AND (
      (l.kind = 'concurrency' AND l.held = 0 AND l.lim <= (SELECT count(*) FROM limit_slots c
        WHERE c.kind = 'concurrency' AND c.key = l.key AND c.held = 1))
      OR (l.kind = 'rate' AND l.admitted_at IS NULL AND l.lim <= (SELECT count(*) FROM limit_slots r
        WHERE r.kind = 'rate' AND r.key = l.key AND r.held = 0 AND r.admitted_at > @now - l.period_ms))))
ORDER BY available_at - priority * 60000
LIMIT @limit`;

/** Claims one candidate; the claim takes its payload (read with the candidates). */
export const claimOne = `UPDATE work
SET claimed_by = @worker, lease_until = @leaseUntil, available_at = @leaseUntil, payload = NULL
WHERE rowid = @rowid
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
