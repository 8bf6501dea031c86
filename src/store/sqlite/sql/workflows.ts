// SQL for the workflows table: one statement per constant, values always bound.

export const insertWorkflow = `INSERT INTO workflows (namespace, name, version, hash, source, created_at)
VALUES (@namespace, @name, @version, @hash, @source, @createdAt)`;

export const selectWorkflow = `SELECT * FROM workflows
WHERE namespace = ? AND name = ? AND version = ?`;

export const selectWorkflowVersions = `SELECT * FROM workflows
WHERE namespace = ? AND name = ? ORDER BY created_at, version`;
