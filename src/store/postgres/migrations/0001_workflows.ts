// Registered workflow versions: immutable, pinned by content hash.
export const sql = `CREATE TABLE workflows (
  namespace  text   NOT NULL,
  name       text   NOT NULL,
  version    text   NOT NULL,
  hash       text   NOT NULL,
  source     text   NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (namespace, name, version)
)`;
