// SQL for concurrency and rate limits (table limit_slots, migration 14; the decision is
// admission.ts, the claim leases.ts). Arrays through unnest, values always bound.

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

export const insertSlots = `INSERT INTO limit_slots (execution_id, kind, key, lim, period_ms)
SELECT e, k, y, l, p FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
  AS u(e, k, y, l, p)`;

export const selectSlots = `SELECT execution_id, kind, key, lim, period_ms, admitted_at, held
FROM limit_slots WHERE execution_id = ANY($1::text[])`;

/**
 * Serialises admissions per key across every claimer: a transaction-scoped advisory
 * lock per key, taken in one order (the hash's) so that two claimers needing the same
 * keys cannot deadlock. Two int4 keys (class 0x77656674, "weft", and the key's hash)
 * never collide with the single-bigint locks of migrate.ts. Two keys with one hash
 * share a lock: harmless, they only serialise more.
 */
export const lockKeys = `SELECT pg_advisory_xact_lock(2003134068, h)
FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k ORDER BY h) AS keys`;

/**
 * Usage of keys, read after lockKeys (a new snapshot under READ COMMITTED, so every
 * admission committed under the lock is seen): held slots per concurrency key,
 * admissions after now - period per rate key.
 */
export const countUsage = `SELECT u.kind, u.key, u.period_ms, (
  SELECT count(*) FROM limit_slots s WHERE s.kind = u.kind AND s.key = u.key AND (
    CASE WHEN u.kind = 'concurrency' THEN s.held
    ELSE NOT s.held AND s.admitted_at > $4::bigint - u.period_ms END))::int AS used
FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u(kind, key, period_ms)`;

/** Rate admissions of these keys that no longer count. */
export const pruneRate = `DELETE FROM limit_slots
WHERE kind = 'rate' AND key = ANY($1::text[]) AND NOT held AND admitted_at <= $2 - ${keptFor}`;

/** Admits executions: takes their concurrency slots, counts their first rate admission. */
export const admitExecutions = `UPDATE limit_slots
SET held = (kind = 'concurrency'),
  admitted_at = CASE WHEN kind = 'concurrency' THEN $2 ELSE coalesce(admitted_at, $2) END
WHERE execution_id = ANY($1::text[])`;

/** Parked: their concurrency slots go back (re-admitted if they run again). */
export const freeSlots = `UPDATE limit_slots SET held = false
WHERE execution_id = ANY($1::text[]) AND kind = 'concurrency' AND held`;

/**
 * Terminal: their slots go; rate admissions stay until keptFor passed, since they
 * still count (pruneRate deletes them later).
 */
export const deleteFinishedSlots = `DELETE FROM limit_slots
WHERE execution_id = ANY($1::text[]) AND (kind = 'concurrency' OR admitted_at IS NULL
  OR admitted_at <= $2 - ${keptFor})`;
