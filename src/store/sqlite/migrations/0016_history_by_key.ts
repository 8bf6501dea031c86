// History keyed for appends: a step writes ONE page, not three or four.
//
// Before: history was WITHOUT ROWID on (execution_id, seq), and every step also rewrote
// its execution's row (next_seq, history_bytes, updated_at). A step wrote 3.4-3.6 WAL
// frames, and with synchronous=FULL each frame costs ~25-40 µs more per fsync on the dev
// VM (1 frame 223 µs, 2: 263, 3: 287, 4: 308). A text-keyed B-tree that fills a page
// rebalances three siblings (SQLite's quick balance is only for rowid tables), and the
// execution row is a page of its own.
//
// Now:
// - every execution has an integer key, `xid`, its rowid (INTEGER PRIMARY KEY, so
//   VACUUM INTO, which `weft backup` uses, keeps it). A key is given again only when the
//   newest execution was pruned, and pruning deletes its history in the same
//   transaction. Not AUTOINCREMENT: that writes sqlite_sequence, one WAL page more in
//   every commit that creates an execution;
// - a history row's key is ONE integer, k = (xid << 20) | seq: an execution's events
//   are contiguous, and the newest execution's appends go at the end of the table, where
//   SQLite splits a full page by starting a new one (quick balance);
// - next_seq and history_bytes are no longer columns of executions: they are read from
//   the execution's newest history row, its seq and `total` (history bytes through that
//   event). A step writes history rows and nothing else, unless its status changes.
// Measured per commit, interleaved (docs/benchmarks.md, session 9): 1.34x a raw commit
// before, 1.11x after (1.25 frames).
//
// 20 bits of seq: at most 1,048,575 events per execution (Temporal's hard limit is
// 51,200; weft's default is 50,000); `openSqliteStore` refuses a larger
// maxHistoryEvents. 43 bits of xid: 8.8e12 executions over the file's life.
//
// The idempotency key's UNIQUE is now a partial index: a start without a key (most)
// writes no entry in it (a plain UNIQUE column indexes every NULL).
//
// Rebuilds both tables in the migration's one transaction (a copy: 7.6 s for 100,000
// executions and 1,000,000 events, a 293 MB file, on the dev VM; the -wal file grows to
// about the file's size meanwhile). `refuse` below stops it first, changing nothing, if
// a history is too long for its key.
export const sql = `CREATE TABLE executions_v2 (
  xid               INTEGER PRIMARY KEY,
  id                TEXT    NOT NULL UNIQUE,
  namespace         TEXT    NOT NULL,
  name              TEXT    NOT NULL,
  version           TEXT    NOT NULL,
  hash              TEXT    NOT NULL,
  input             TEXT    NOT NULL,
  state             TEXT    NOT NULL,
  status            TEXT    NOT NULL,
  idempotency_key   TEXT,
  parent_id         TEXT,
  priority          INTEGER NOT NULL DEFAULT 0,
  recovery_attempts INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
) STRICT;
INSERT INTO executions_v2 (xid, id, namespace, name, version, hash, input, state, status,
  idempotency_key, parent_id, priority, recovery_attempts, created_at, updated_at)
SELECT rowid, id, namespace, name, version, hash, input, state, status,
  idempotency_key, parent_id, priority, recovery_attempts, created_at, updated_at
FROM executions ORDER BY rowid;
CREATE TABLE history_v2 (
  k     INTEGER PRIMARY KEY,
  type  TEXT    NOT NULL,
  v     INTEGER NOT NULL,
  time  INTEGER NOT NULL,
  total INTEGER NOT NULL,
  body  TEXT    NOT NULL
) STRICT;
INSERT INTO history_v2 (k, type, v, time, total, body)
SELECT (x.xid << 20) | h.seq, h.type, h.v, h.time,
  sum(length(CAST(h.body AS BLOB))) OVER (PARTITION BY h.execution_id ORDER BY h.seq),
  h.body
FROM history h JOIN executions_v2 x ON x.id = h.execution_id
ORDER BY 1;
DROP TABLE history;
DROP TABLE executions;
ALTER TABLE executions_v2 RENAME TO executions;
ALTER TABLE history_v2 RENAME TO history;
CREATE INDEX executions_by_state ON executions (state, id);
CREATE INDEX executions_by_created ON executions (created_at, id);
CREATE INDEX executions_by_parent ON executions (parent_id) WHERE parent_id IS NOT NULL;
CREATE UNIQUE INDEX executions_by_key ON executions (idempotency_key)
  WHERE idempotency_key IS NOT NULL`;

/** A message when this migration cannot run on the file (migrate.ts). */
export const refuse = `SELECT 'execution ' || execution_id || ' has ' || max(seq) ||
  ' history events; this weft keeps at most 1048575 per execution on SQLite'
FROM history GROUP BY execution_id HAVING max(seq) > 1048575 LIMIT 1`;
