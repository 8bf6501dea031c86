// Concurrency and rate limits (docs/operations.md "Limits"): one row per execution and
// limit key, written with the execution. `held` is true while the execution holds a
// concurrency slot (admitted, not yet terminal or parked); `admitted_at` is when it
// was admitted, which is what rate limits count. limit_slots_by_key serves both counts
// of a claim: (concurrency, key, held) and (rate, key, admitted_at > now - period).
// Two statements in one migration (a simple query runs both in the migration's
// transaction): the table is useless without its index.
export const sql = `CREATE TABLE limit_slots (
  execution_id text    NOT NULL,
  kind         text    NOT NULL,
  key          text    NOT NULL,
  lim          bigint  NOT NULL,
  period_ms    bigint,
  admitted_at  bigint,
  held         boolean NOT NULL DEFAULT false,
  PRIMARY KEY (execution_id, kind, key)
);
CREATE INDEX limit_slots_by_key ON limit_slots (kind, key, held, admitted_at)`;
