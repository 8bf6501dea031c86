// Recovery (`unfinished`) and list filters by state.
export const sql = `CREATE INDEX executions_by_state ON executions (state, id)`;
