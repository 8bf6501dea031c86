// The events log (src/store/events.ts): every CloudEvent sent to the engine, kept for the
// retention. `seq` comes from a sequence (never reused after pruning); appendEvents holds
// a transaction advisory lock while it inserts, so seqs become visible in seq order and a
// reader's `seq > cursor` never skips an event committed late. UNIQUE (source, id) is the
// dedupe; the index on stored_at serves the retention reads and pruning. Two statements
// in one migration (the table is useless without its index).
export const sql = `CREATE TABLE events (
  seq       bigserial PRIMARY KEY,
  source    text      NOT NULL,
  id        text      NOT NULL,
  type      text      NOT NULL,
  body      text      NOT NULL,
  stored_at bigint    NOT NULL,
  UNIQUE (source, id)
);
CREATE INDEX events_by_stored ON events (stored_at)`;
