// work_by_claim_order (migration 12) has served no query since migration 15 made the
// claim order aged (work_by_rank): dropped, it no longer costs a page in every commit that
// adds, claims or removes work (a start, a timer, an execution's end).
export const sql = `DROP INDEX work_by_claim_order`;
