// nextDueAt is min(available_at): one index probe.
export const sql = `CREATE INDEX work_by_available ON work (available_at)`;
