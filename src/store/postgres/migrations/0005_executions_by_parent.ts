// Children of an execution (cancelling a parent cancels its children).
export const sql = `CREATE INDEX executions_by_parent ON executions (parent_id) WHERE parent_id IS NOT NULL`;
