// dueTimers reads timers in due order.
export const sql = `CREATE INDEX work_timers_by_due ON work (due_at) WHERE kind = 'timer'`;
