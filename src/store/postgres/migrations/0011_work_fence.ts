// Fencing tokens: one sequence for the whole store, so a token is never reused, even for
// a work key that was deleted and added again.
export const sql = `CREATE SEQUENCE work_fence AS bigint`;
