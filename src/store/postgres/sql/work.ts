// SQL for the work table: one statement per constant, values always bound, batches as
// arrays through unnest. Every statement that moves `available_at` also sets `rank`,
// the claim order with aging (docs/operations.md "Priorities and aging"):
//
//   rank = available_at - clamp(priority, ±1e6) * agingMs
//
// Ordering by rank ascending is ordering by priority + waiting / agingMs descending
// (waiting = now - available_at), so it is one index (work_by_rank), not a sort of the
// whole backlog. `agingMs` is always the last parameter. Columns are listed, not `*`,
// so the statements can be prepared (prepared.ts).

/** Every column of a row (PgWorkRow), each prefixed with `t`. */
const columns = (t: string) =>
  `${t}execution_id, ${t}key, ${t}kind, ${t}due_at, ${t}available_at, ${t}rank, ${t}payload,
  ${t}priority, ${t}claimed_by, ${t}lease_until, ${t}fence`;

const rankOf = (at: string, aging: string) =>
  `${at} - least(greatest(priority, -1000000), 1000000) * ${aging}::bigint`;

/**
 * Adds or replaces items, with the claim given (a worker starting an execution holds its
 * run item at once) or none: a replaced item loses its old claim. A claimed item gets a
 * fencing token like a claim does.
 */
export const upsertWork = `INSERT INTO work (execution_id, key, kind, due_at, available_at, rank, payload, priority, claimed_by, lease_until, fence)
SELECT execution_id, key, kind, due_at, coalesce(lease_until, due_at),
  ${rankOf('coalesce(lease_until, due_at)', '$7')}, payload, priority, claimed_by, lease_until,
  CASE WHEN claimed_by IS NULL THEN 0 ELSE nextval('work_fence') END
FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $8::text[], $9::bigint[])
  AS w(execution_id, key, kind, due_at, payload, priority, claimed_by, lease_until)
ON CONFLICT (execution_id, key) DO UPDATE SET
  kind = excluded.kind, due_at = excluded.due_at, available_at = excluded.available_at,
  rank = excluded.rank, payload = excluded.payload, priority = excluded.priority,
  claimed_by = excluded.claimed_by, lease_until = excluded.lease_until, fence = excluded.fence`;

export const deleteWork = `DELETE FROM work w
USING unnest($1::text[], $2::text[]) AS d(execution_id, key)
WHERE w.execution_id = d.execution_id AND w.key = d.key`;

/** A finished execution has nothing left to do. */
export const deleteAllWork = `DELETE FROM work WHERE execution_id = ANY($1::text[])`;

/**
 * The fence of a commit: who holds each named item now, locked until the commit ends so
 * no claim can take it between the check and the write (claims skip locked rows).
 */
export const lockHolders = `SELECT w.execution_id, w.key, w.claimed_by, w.fence FROM work w
JOIN unnest($1::text[], $2::text[]) AS h(execution_id, key)
  ON w.execution_id = h.execution_id AND w.key = h.key
ORDER BY w.execution_id, w.key
FOR UPDATE OF w`;

/**
 * Candidates of a claim, in claim order, locked. SKIP LOCKED: rows another transaction
 * is claiming or committing are passed over, never waited on, so concurrent workers
 * take disjoint items; a row changed since our snapshot is re-checked against the WHERE
 * before it is locked. Passes over the work of executions waiting for a full
 * concurrency or rate key (limit_slots) so they do not hold up other keys' work behind
 * them; this reading is only a filter (a snapshot, other claimers admit meanwhile): the
 * decision is made under the keys' locks (leases.ts). `gated`: the execution has a
 * limit slot to take, so the claim must admit it (a scalar subquery with LIMIT: as an
 * EXISTS the planner hashed it, a scan of all of limit_slots per claim, 1 ms at 10K rows).
 */
export const selectClaimable = `SELECT w.execution_id, w.key, w.rank, w.due_at,
  (SELECT true FROM limit_slots g WHERE g.execution_id = w.execution_id AND (
    (g.kind = 'concurrency' AND NOT g.held) OR (g.kind = 'rate' AND g.admitted_at IS NULL)
  ) LIMIT 1) IS NOT NULL AS gated
FROM work w
WHERE w.available_at <= $1 AND ($2::text[] IS NULL OR w.kind = ANY($2::text[]))
  AND NOT EXISTS (
    SELECT 1 FROM limit_slots l WHERE l.execution_id = w.execution_id AND (
      (l.kind = 'concurrency' AND NOT l.held AND l.lim <= (SELECT count(*) FROM limit_slots c
        WHERE c.kind = 'concurrency' AND c.key = l.key AND c.held))
      OR (l.kind = 'rate' AND l.admitted_at IS NULL AND l.lim <= (SELECT count(*) FROM limit_slots r
        WHERE r.kind = 'rate' AND r.key = l.key AND NOT r.held AND r.admitted_at > $1 - l.period_ms))))
ORDER BY w.rank
LIMIT $3
FOR UPDATE OF w SKIP LOCKED`;

/**
 * Claims the picked candidates; every claim gets a new fencing token from work_fence.
 * `prior_fence` is the token before this claim (the CTE reads the rows as the statement
 * found them): 0 when no worker ever held the item (WorkItem.firstClaim). The claim takes
 * the payload (`prior_payload`) and leaves none (Store.claimWork). `prior_claimed_by`: who
 * held it until now (a lapsed lease), NULL when it was free.
 */
export const claimPicked = `WITH p AS (
  SELECT o.execution_id, o.key, o.fence, o.payload, o.claimed_by
  FROM unnest($3::text[], $4::text[]) AS c(execution_id, key)
  JOIN work o ON o.execution_id = c.execution_id AND o.key = c.key
)
UPDATE work w SET claimed_by = $1, lease_until = $2, available_at = $2,
  rank = ${rankOf('$2', '$5')}, fence = nextval('work_fence'), payload = NULL
FROM p
WHERE w.execution_id = p.execution_id AND w.key = p.key
RETURNING ${columns('w.')}, p.fence AS prior_fence, p.payload AS prior_payload,
  p.claimed_by AS prior_claimed_by`;

/**
 * Only the holder's items move (STYLE.md 7: guarded by ownership), and an item given with
 * a fence only while its claim carries it (a null fence: whatever claim the holder has).
 */
export const releaseWork = `UPDATE work w SET claimed_by = NULL, lease_until = NULL,
  available_at = due_at, rank = ${rankOf('due_at', '$4')}
FROM unnest($2::text[], $3::text[], $5::bigint[]) AS r(execution_id, key, fence)
WHERE w.execution_id = r.execution_id AND w.key = r.key AND w.claimed_by = $1
  AND (r.fence IS NULL OR w.fence = r.fence)
RETURNING w.due_at`;

export const renewLease = `UPDATE work w SET lease_until = $4, available_at = $4,
  rank = ${rankOf('$4', '$5')}
FROM unnest($2::text[], $3::text[]) AS r(execution_id, key)
WHERE w.execution_id = r.execution_id AND w.key = r.key AND w.claimed_by = $1`;

export const selectDueTimers = `SELECT ${columns('')} FROM work
WHERE kind = 'timer' AND due_at <= $1 ORDER BY due_at LIMIT $2`;

/** When the next item becomes claimable: its due time, or its lease's end if claimed. */
export const selectNextDue = `SELECT min(available_at) AS at FROM work`;

/** Wakes listeners (delivered at commit, dropped on rollback). */
export const notify = `SELECT pg_notify($1, $2)`;
