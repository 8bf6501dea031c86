// SQL for the events table: one statement per constant, values always bound.

/** Inserts unless (source, id) is stored; RETURNING gives nothing for a duplicate. */
export const insertEvent = `INSERT INTO events (source, id, type, body, stored_at)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (source, id) DO NOTHING
RETURNING seq, body, stored_at`;

export const selectEventByKey = `SELECT seq, body, stored_at FROM events WHERE source = ? AND id = ?`;

export const selectEvents = `SELECT seq, body, stored_at FROM events
WHERE seq > ? AND stored_at >= ? ORDER BY seq LIMIT ?`;

export const selectLastEventSeq = `SELECT coalesce(max(seq), 0) FROM events`;

export const deleteOldEvents = `DELETE FROM events WHERE stored_at < ?`;
