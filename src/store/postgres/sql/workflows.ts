// SQL for the workflows table: one statement per constant, values always bound.

/** Registers a version; an existing one is left alone (the caller compares hashes). */
export const insertWorkflow = `INSERT INTO workflows (namespace, name, version, hash, source, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (namespace, name, version) DO NOTHING`;

export const selectWorkflow = `SELECT * FROM workflows
WHERE namespace = $1 AND name = $2 AND version = $3`;

export const selectWorkflowVersions = `SELECT * FROM workflows
WHERE namespace = $1 AND name = $2 ORDER BY created_at, version`;
