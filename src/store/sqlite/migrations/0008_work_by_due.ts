// claimWork, dueTimers and nextDueAt scan work in due order.
export const sql = `CREATE INDEX work_by_due ON work (due_at)`;
