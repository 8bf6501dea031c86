// SQL for the workflows table: one statement per constant, values always bound.
// Columns are listed, not `*`, so the statements can be prepared (prepared.ts).

/** Every column of a row (WorkflowRow). */
const columns = `namespace, name, version, hash, source, created_at`;

/** Registers a version; an existing one is left alone (the caller compares hashes). */
export const insertWorkflow = `INSERT INTO workflows (namespace, name, version, hash, source, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (namespace, name, version) DO NOTHING`;

export const selectWorkflow = `SELECT ${columns} FROM workflows
WHERE namespace = $1 AND name = $2 AND version = $3`;

export const selectWorkflowVersions = `SELECT ${columns} FROM workflows
WHERE namespace = $1 AND name = $2 ORDER BY created_at, version`;

export const selectWorkflowVersionHashes = `SELECT version, hash FROM workflows
WHERE namespace = $1 AND name = $2 ORDER BY created_at, version`;

/**
 * One page of every workflow version: by namespace, name, then registration order
 * (created_at, version), after the cursor's row when given. Text compares with
 * COLLATE "C" (byte order) so the order, and so the pages, match SQLite's whatever the
 * database's locale. $1 namespace filter; $2..$5 the cursor; $6 the limit.
 */
export const listWorkflows = `SELECT ${columns} FROM workflows
WHERE ($1::text IS NULL OR namespace = $1)
  AND ($2::text IS NULL
       OR namespace COLLATE "C" > $2
       OR (namespace = $2 AND name COLLATE "C" > $3)
       OR (namespace = $2 AND name = $3 AND created_at > $4)
       OR (namespace = $2 AND name = $3 AND created_at = $4 AND version COLLATE "C" > $5))
ORDER BY namespace COLLATE "C", name COLLATE "C", created_at, version COLLATE "C"
LIMIT $6`;
