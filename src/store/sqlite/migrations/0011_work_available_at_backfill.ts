// Fills available_at for work written before migration 10.
export const sql = `UPDATE work SET available_at = CASE
  WHEN claimed_by IS NULL THEN due_at ELSE max(due_at, lease_until) END`;
