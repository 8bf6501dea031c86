// When a work item can next be claimed: its due time, or the end of its lease while
// claimed. One indexed column makes claimWork and nextDueAt range scans instead of
// scans of every waiting timer (100K waiting executions are a benchmark case).
export const sql = `ALTER TABLE work ADD COLUMN available_at INTEGER NOT NULL DEFAULT 0`;
