// SQL for the workflows table: one statement per constant, values always bound.

export const insertWorkflow = `INSERT INTO workflows (namespace, name, version, hash, source, created_at)
VALUES (@namespace, @name, @version, @hash, @source, @createdAt)`;

export const selectWorkflow = `SELECT * FROM workflows
WHERE namespace = ? AND name = ? AND version = ?`;

/** What createExecution checks: the hash alone, not the document's source text. */
export const selectWorkflowHash = `SELECT hash FROM workflows
WHERE namespace = ? AND name = ? AND version = ?`;

export const selectWorkflowVersions = `SELECT * FROM workflows
WHERE namespace = ? AND name = ? ORDER BY created_at, version`;

export const selectWorkflowVersionHashes = `SELECT version, hash FROM workflows
WHERE namespace = ? AND name = ? ORDER BY created_at, version`;

/**
 * One page of every workflow version: by namespace, name, then registration order
 * (created_at, version), after the cursor's row when given. The primary key
 * (namespace, name, version) serves the order, so no extra index.
 */
export const listWorkflows = `SELECT * FROM workflows
WHERE (@namespace IS NULL OR namespace = @namespace)
  AND (@cursorNamespace IS NULL
       OR namespace > @cursorNamespace
       OR (namespace = @cursorNamespace AND name > @cursorName)
       OR (namespace = @cursorNamespace AND name = @cursorName AND created_at > @cursorCreated)
       OR (namespace = @cursorNamespace AND name = @cursorName AND created_at = @cursorCreated
           AND version > @cursorVersion))
ORDER BY namespace, name, created_at, version
LIMIT @limit`;
