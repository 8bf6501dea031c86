// Work for workers: `ready` items and durable timers, keyed per execution. A claim is
// a lease (claimed_by, lease_until); a commit deletes the item when it is done.
export const sql = `CREATE TABLE work (
  execution_id TEXT    NOT NULL,
  key          TEXT    NOT NULL,
  kind         TEXT    NOT NULL,
  due_at       INTEGER NOT NULL,
  payload      TEXT,
  priority     INTEGER NOT NULL,
  claimed_by   TEXT,
  lease_until  INTEGER,
  PRIMARY KEY (execution_id, key)
) STRICT`;
