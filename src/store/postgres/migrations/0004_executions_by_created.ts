// listExecutions pages newest first on (created_at, id).
export const sql = `CREATE INDEX executions_by_created ON executions (created_at, id)`;
