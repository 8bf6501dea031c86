// Results of `call`/`run` tasks with the weft `cache: { key, ttl }` extension: a fresh
// entry is reused instead of calling again. Written in the step's commit.
export const sql = `CREATE TABLE effect_cache (
  key        text   PRIMARY KEY,
  result     text   NOT NULL,
  stored_at  bigint NOT NULL,
  expires_at bigint NOT NULL
)`;
