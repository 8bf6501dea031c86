// The one-statement step (step.ts): checks and appends in a single round trip, in
// autocommit. Parameters:
//   $1 execution id, $2 lease key, $3 worker, $4 fence (null: any), $5 expected next_seq,
//   $6 event count, $7 max history events, $8 event bytes, $9 max history bytes,
//   $10-$13 the events' type, v, time, body, $14 recovery attempts (null: unchanged),
//   $15 now, $16 the terminal states, $17 the history channel, $18 its payload (null:
//   none; history-feed.ts).
// `ok` locks the head and the lease's work row (heads before holders, as every commit
// does) and is empty unless every check of planWrites holds; the writes read `ok`, so
// they write nothing when it is empty, and the caller takes the general path for the
// precise error. Under READ COMMITTED a row changed since the statement's snapshot is
// re-read before it is locked, and the checks run against the re-read row.
export const appendStep = `WITH ok AS (
  SELECT e.next_seq FROM executions e JOIN work w ON w.execution_id = e.id
  WHERE e.id = $1 AND w.key = $2 AND w.claimed_by = $3 AND ($4::bigint IS NULL OR w.fence = $4)
    AND e.next_seq = $5 AND NOT (e.state = ANY($16::text[]))
    AND e.next_seq - 1 + $6::integer <= $7::integer AND e.history_bytes + $8::bigint <= $9::bigint
  FOR UPDATE OF e, w
), ins AS (
  INSERT INTO history (execution_id, seq, type, v, time, body)
  SELECT $1, ok.next_seq + (u.i - 1)::integer, u.t, u.v, u.ti, u.b
  FROM ok, unnest($10::text[], $11::integer[], $12::bigint[], $13::text[])
    WITH ORDINALITY AS u(t, v, ti, b, i)
), upd AS (
  UPDATE executions e SET next_seq = e.next_seq + $6::integer,
    history_bytes = e.history_bytes + $8::bigint,
    recovery_attempts = coalesce($14::integer, e.recovery_attempts), updated_at = $15
  FROM ok WHERE e.id = $1
), note AS (
  SELECT pg_notify($17, $18) FROM ok WHERE $18::text IS NOT NULL
)
SELECT (SELECT count(*) FROM ok)::integer AS applied, (SELECT count(*) FROM note) AS noted`;
