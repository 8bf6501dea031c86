// SQL for the effect_cache table: one statement per constant, values always bound.

export const upsertCache = `INSERT INTO effect_cache (key, result, stored_at, expires_at)
VALUES (?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
  result = excluded.result, stored_at = excluded.stored_at, expires_at = excluded.expires_at`;

export const selectCache = `SELECT key, result, expires_at FROM effect_cache
WHERE key = ? AND expires_at > ?`;

export const deleteStaleCache = `DELETE FROM effect_cache WHERE expires_at <= ?`;
