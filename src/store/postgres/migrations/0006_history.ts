// The history: append-only, one row per event, keyed by (execution_id, seq) so a replay
// reads one index range. `body` is the whole event as JSON text (src/history/codec.ts),
// kept byte for byte (jsonb would reorder keys and change the counted bytes).
export const sql = `CREATE TABLE history (
  execution_id text    NOT NULL,
  seq          integer NOT NULL,
  type         text    NOT NULL,
  v            integer NOT NULL,
  time         bigint  NOT NULL,
  body         text    NOT NULL,
  PRIMARY KEY (execution_id, seq)
)`;
