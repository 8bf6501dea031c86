// SQL for the executions table: one statement per constant, values always bound.
// Columns are listed, not `*`, so the statements can be prepared (prepared.ts).

/** Every column of a row, in table order (ExecutionRow). */
const columns = `id, namespace, name, version, hash, input, state, status, idempotency_key,
  parent_id, priority, next_seq, history_bytes, recovery_attempts, created_at, updated_at`;

/**
 * Inserts a new execution unless its id or idempotency key exists. ON CONFLICT makes
 * concurrent duplicate starts wait for the first one's transaction instead of failing
 * it; the caller reads the winner when no row comes back.
 */
export const insertExecution = `INSERT INTO executions (id, namespace, name, version, hash, input,
  state, status, idempotency_key, parent_id, priority, next_seq, history_bytes, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, 'running', '{"state":"running"}', $7, $8, $9, 2, $10, $11, $11)
ON CONFLICT DO NOTHING
RETURNING ${columns}`;

/**
 * Starts without idempotency key or parent, many in one statement (a group commit of
 * createExecution calls, apply.ts applyStarts): ids that exist already come back absent.
 */
export const insertExecutions = `INSERT INTO executions (id, namespace, name, version, hash, input,
  state, status, idempotency_key, parent_id, priority, next_seq, history_bytes, created_at, updated_at)
SELECT id, namespace, name, version, hash, input, 'running', '{"state":"running"}', NULL, NULL,
  priority, 2, history_bytes, created_at, created_at
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[],
  $8::bigint[], $9::bigint[]) AS n(id, namespace, name, version, hash, input, priority,
  history_bytes, created_at)
ON CONFLICT DO NOTHING
RETURNING ${columns}`;

export const selectExecution = `SELECT ${columns} FROM executions WHERE id = $1`;

/** getExecution calls that arrive together (coalesce.ts). */
/** Whether an execution waits for its first admission: a limit slot no claim admitted yet. */
const awaitingAdmission = `EXISTS (SELECT 1 FROM limit_slots l
  WHERE l.execution_id = executions.id AND l.admitted_at IS NULL) AS awaiting_admission`;

/** getExecution's rows (coalesced, point-reads.ts). */
export const selectExecutions = `SELECT ${columns}, ${awaitingAdmission}
FROM executions WHERE id = ANY($1::text[])`;

export const selectExecutionByKey = `SELECT ${columns}, ${awaitingAdmission}
FROM executions WHERE idempotency_key = $1`;

export const selectExists = `SELECT 1 FROM executions WHERE id = $1`;

/**
 * Locks the heads of the executions a commit writes, in id order (so two commits never
 * wait on each other in a cycle): concurrent commits to one execution serialise here and
 * the later one sees the earlier one's next_seq.
 */
export const lockHeads = `SELECT id, next_seq, history_bytes, state, priority FROM executions
WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`;

/** Advances every written execution in one statement; null leaves a column alone. */
export const updateHeads = `UPDATE executions e SET
  next_seq = u.next_seq,
  history_bytes = u.history_bytes,
  state = coalesce(u.state, e.state),
  status = coalesce(u.status, e.status),
  recovery_attempts = coalesce(u.recovery_attempts, e.recovery_attempts),
  updated_at = u.now
FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::text[], $5::text[], $6::integer[],
  $7::bigint[]) AS u(id, next_seq, history_bytes, state, status, recovery_attempts, now)
WHERE e.id = u.id`;

export const incrementRecoveryAttempts = `UPDATE executions
SET recovery_attempts = recovery_attempts + 1, updated_at = $1
WHERE id = $2 RETURNING recovery_attempts`;

/** noteRecoveryAttempt calls that arrive together: $3[i] attempts for $2[i]. */
export const incrementRecoveryAttemptsOf = `UPDATE executions e
SET recovery_attempts = e.recovery_attempts + a.n, updated_at = $1
FROM unnest($2::text[], $3::integer[]) AS a(id, n)
WHERE e.id = a.id RETURNING e.id, e.recovery_attempts`;

/** One page of executions, newest first; optional filters are `$n IS NULL OR ...`. */
export const listExecutions = `SELECT ${columns} FROM executions
WHERE ($1::text IS NULL OR namespace = $1)
  AND ($2::text IS NULL OR name = $2)
  AND ($3::text IS NULL OR version = $3)
  AND ($4::text IS NULL OR parent_id = $4)
  AND ($5::text[] IS NULL OR state = ANY($5::text[]))
  AND ($6::bigint IS NULL OR created_at < $6
       OR (created_at = $6 AND id < $7))
ORDER BY created_at DESC, id DESC
LIMIT $8`;

export const selectUnfinished = `SELECT ${columns} FROM executions
WHERE state IN ('running', 'suspended') AND id > $1
ORDER BY id LIMIT $2`;

/**
 * Retention: deletes up to $2 executions that ended before $1, oldest first, with their
 * history (their work went with the commit that ended them); returns their ids. A range of executions_by_created (an execution
 * that ended before $1 was created before it); SKIP LOCKED: pruners of several workers
 * take different executions.
 */
export const pruneExecutions = `WITH doomed AS (
  SELECT id FROM executions
  WHERE created_at < $1 AND updated_at < $1 AND state IN ('completed', 'faulted', 'cancelled')
  ORDER BY created_at LIMIT $2
  FOR UPDATE SKIP LOCKED
), h AS (
  DELETE FROM history WHERE execution_id IN (SELECT id FROM doomed)
)
DELETE FROM executions WHERE id IN (SELECT id FROM doomed) RETURNING id`;
