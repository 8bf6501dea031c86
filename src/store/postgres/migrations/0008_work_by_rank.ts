// claimWork walks this index in claim order and stops after `limit` available rows.
export const sql = `CREATE INDEX work_by_rank ON work (rank)`;
