// The history: append-only, one row per event, clustered by (execution_id, seq) so a
// replay reads one contiguous range. `type`, `v` and `time` are columns (indexable);
// `body` is the whole event as JSON (src/history/codec.ts).
export const sql = `CREATE TABLE history (
  execution_id TEXT    NOT NULL,
  seq          INTEGER NOT NULL,
  type         TEXT    NOT NULL,
  v            INTEGER NOT NULL,
  time         INTEGER NOT NULL,
  body         TEXT    NOT NULL,
  PRIMARY KEY (execution_id, seq)
) STRICT, WITHOUT ROWID`;
