// SQL for concurrency and rate limits (table limit_slots, migration 15; the decision
// is admission.ts). The claim runs in the single writer, so what it reads cannot change
// before it writes: no locks needed here (PostgreSQL: postgres/sql/limits.ts).

/**
 * How long a rate admission is kept: twice its period plus a minute, not just its
 * period. A claim decides with its own `now`; one whose `now` is older than another
 * claimer's (clocks a little apart, or a claim that read the clock before waiting for
 * the key's lock) still counts every admission of its window, since what one claim
 * prunes is older than any other claim's window unless their clocks are more than
 * period + 60 s apart. (Pruning at exactly the period let a stale claim admit a fifth
 * in a window of four: the PostgreSQL stress test caught it.)
 */
const keptFor = '(2 * period_ms + 60000)';

export const insertSlot = `INSERT INTO limit_slots (execution_id, kind, key, lim, period_ms)
VALUES (?, ?, ?, ?, ?)`;

export const selectSlots = `SELECT * FROM limit_slots
WHERE execution_id IN (SELECT value FROM json_each(?))`;

/** Slots held in a concurrency key (the running count). */
export const countHeld = `SELECT count(*) FROM limit_slots
WHERE kind = 'concurrency' AND key = ? AND held = 1`;

/** Admissions in a rate key after a time. */
export const countAdmitted = `SELECT count(*) FROM limit_slots
WHERE kind = 'rate' AND key = ? AND held = 0 AND admitted_at > ?`;

/** Admits an execution: takes its concurrency slots, counts its first rate admission. */
export const admitExecution = `UPDATE limit_slots
SET held = (kind = 'concurrency'),
  admitted_at = CASE WHEN kind = 'concurrency' THEN @now ELSE coalesce(admitted_at, @now) END
WHERE execution_id = @id`;

/** Parked: gives its concurrency slots back (re-admitted if it runs again). */
export const freeSlots = `UPDATE limit_slots SET held = 0
WHERE execution_id = ? AND kind = 'concurrency'`;

/**
 * Terminal: its slots go; rate admissions stay until keptFor passed, since they
 * still count (those are deleted by pruneRate).
 */
export const deleteFinishedSlots = `DELETE FROM limit_slots
WHERE execution_id = @id AND (kind = 'concurrency' OR admitted_at IS NULL
  OR admitted_at <= @now - ${keptFor})`;

/** Rate admissions of a key that no longer count. */
export const pruneRate = `DELETE FROM limit_slots
WHERE kind = 'rate' AND key = ? AND held = 0 AND admitted_at <= ? - ${keptFor}`;
