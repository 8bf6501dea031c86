// SQL for the effect_cache table: one statement per constant, values always bound.

/** Every entry of a commit in one statement; the same key replaces. */
export const upsertCache = `INSERT INTO effect_cache (key, result, stored_at, expires_at)
SELECT k, r, n, e FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS c(k, r, e, n)
ON CONFLICT (key) DO UPDATE SET
  result = excluded.result, stored_at = excluded.stored_at, expires_at = excluded.expires_at`;

export const selectCache = `SELECT key, result, expires_at FROM effect_cache
WHERE key = $1 AND expires_at > $2`;

export const deleteStaleCache = `DELETE FROM effect_cache WHERE expires_at <= $1`;
