// One row per execution. `state` is the status tag (indexed); `status` is the whole
// tagged union as JSON (output, error, park reason). `next_seq` and `history_bytes`
// make the sequence check and the history limits one row read per commit.
export const sql = `CREATE TABLE executions (
  id                TEXT    PRIMARY KEY,
  namespace         TEXT    NOT NULL,
  name              TEXT    NOT NULL,
  version           TEXT    NOT NULL,
  hash              TEXT    NOT NULL,
  input             TEXT    NOT NULL,
  state             TEXT    NOT NULL,
  status            TEXT    NOT NULL,
  idempotency_key   TEXT    UNIQUE,
  parent_id         TEXT,
  priority          INTEGER NOT NULL DEFAULT 0,
  next_seq          INTEGER NOT NULL,
  history_bytes     INTEGER NOT NULL,
  recovery_attempts INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
) STRICT`;
