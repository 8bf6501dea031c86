// The events log (src/store/events.ts): every CloudEvent sent to the engine, kept for the
// retention. AUTOINCREMENT so a seq is never reused after pruning deleted the newest
// rows (a reader's cursor would skip a reused seq). UNIQUE (source, id) is the dedupe;
// the index on stored_at serves the retention reads and pruning. Two statements in one
// migration (the table is useless without its index; SQLite's exec runs both).
export const sql = `CREATE TABLE events (
  seq       INTEGER PRIMARY KEY AUTOINCREMENT,
  source    TEXT    NOT NULL,
  id        TEXT    NOT NULL,
  type      TEXT    NOT NULL,
  body      TEXT    NOT NULL,
  stored_at INTEGER NOT NULL,
  UNIQUE (source, id)
) STRICT;
CREATE INDEX events_by_stored ON events (stored_at)`;
