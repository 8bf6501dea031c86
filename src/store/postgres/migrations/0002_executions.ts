// One row per execution, as in the SQLite store: `state` is the status tag (indexed),
// `status` the whole tagged union as JSON text. The unique idempotency_key is what
// makes concurrent duplicate starts collapse into one (INSERT ... ON CONFLICT).
// Times are bigint milliseconds since the epoch, given by the caller, never now().
export const sql = `CREATE TABLE executions (
  id                text    PRIMARY KEY,
  namespace         text    NOT NULL,
  name              text    NOT NULL,
  version           text    NOT NULL,
  hash              text    NOT NULL,
  input             text    NOT NULL,
  state             text    NOT NULL,
  status            text    NOT NULL,
  idempotency_key   text    UNIQUE,
  parent_id         text,
  priority          bigint  NOT NULL DEFAULT 0,
  next_seq          integer NOT NULL,
  history_bytes     bigint  NOT NULL,
  recovery_attempts integer NOT NULL DEFAULT 0,
  created_at        bigint  NOT NULL,
  updated_at        bigint  NOT NULL
)`;
