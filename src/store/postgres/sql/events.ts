// SQL for the events table: one statement per constant, values always bound.

/** Serializes appenders until COMMIT, so seqs are committed in order (0013_events.ts). */
export const lockAppend = `SELECT pg_advisory_xact_lock(hashtext($1)::bigint)`;

/** Inserts unless (source, id) is stored; RETURNING gives nothing for a duplicate. */
export const insertEvent = `INSERT INTO events (source, id, type, body, stored_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (source, id) DO NOTHING
RETURNING seq, body, stored_at`;

export const selectEventByKey = `SELECT seq, body, stored_at FROM events WHERE source = $1 AND id = $2`;

export const selectEvents = `SELECT seq, body, stored_at FROM events
WHERE seq > $1 AND stored_at >= $2 ORDER BY seq LIMIT $3`;

export const selectLastEventSeq = `SELECT coalesce(max(seq), 0) AS seq FROM events`;

export const deleteOldEvents = `DELETE FROM events WHERE stored_at < $1`;
