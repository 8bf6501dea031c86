// claimWork walks this index in claim order (priority first, then availability) and
// stops after `limit` rows: with one priority in use it never sorts.
export const sql = `CREATE INDEX work_by_claim_order ON work (priority DESC, available_at)`;
