// Registered workflow versions: immutable, pinned by content hash.
export const sql = `CREATE TABLE workflows (
  namespace  TEXT    NOT NULL,
  name       TEXT    NOT NULL,
  version    TEXT    NOT NULL,
  hash       TEXT    NOT NULL,
  source     TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (namespace, name, version)
) STRICT`;
