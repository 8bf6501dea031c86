// SQL for the history table: one statement per constant, values always bound.

export const insertEvent = `INSERT INTO history (execution_id, seq, type, v, time, body)
VALUES (?, ?, ?, ?, ?, ?)`;

export const selectHistory = `SELECT seq, body FROM history
WHERE execution_id = ? AND seq > ? ORDER BY seq LIMIT ?`;

export const deleteHistory = `DELETE FROM history WHERE execution_id = ?`;
