// Concurrency and rate limits (docs/operations.md "Limits"): one row per execution and
// limit key, written with the execution. `held` is 1 while the execution holds a
// concurrency slot (admitted, not yet terminal or parked); `admitted_at` is when it
// was admitted, which is what rate limits count. limit_slots_by_key serves both counts
// of a claim: (concurrency, key, held = 1) and (rate, key, admitted_at > now - period).
// work_by_rank is the claim order with aging, as on PostgreSQL (docs/operations.md
// "Priorities and aging") with agingSeconds fixed at 60: an expression index, so no
// column to keep up to date. Three statements in one migration (db.exec runs them inside
// the migration's transaction): limits need both the table and the aged claim order.
export const sql = `CREATE TABLE limit_slots (
  execution_id TEXT    NOT NULL,
  kind         TEXT    NOT NULL,
  key          TEXT    NOT NULL,
  lim          INTEGER NOT NULL,
  period_ms    INTEGER,
  admitted_at  INTEGER,
  held         INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (execution_id, kind, key)
) STRICT;
CREATE INDEX limit_slots_by_key ON limit_slots (kind, key, held, admitted_at);
CREATE INDEX work_by_rank ON work (available_at - priority * 60000)`;
