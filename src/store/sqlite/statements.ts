// Every statement the SQLite store runs, prepared once per connection.

import type Database from 'better-sqlite3';
import * as cache from './sql/cache.js';
import * as executions from './sql/executions.js';
import * as history from './sql/history.js';
import * as work from './sql/work.js';
import * as workflows from './sql/workflows.js';

export function prepareStatements(db: Database.Database) {
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT op'),
    release: db.prepare('RELEASE op'),
    rollbackTo: db.prepare('ROLLBACK TO op'),

    insertWorkflow: db.prepare(workflows.insertWorkflow),
    selectWorkflow: db.prepare(workflows.selectWorkflow),
    selectWorkflowVersions: db.prepare(workflows.selectWorkflowVersions),

    insertExecution: db.prepare(executions.insertExecution),
    selectExecution: db.prepare(executions.selectExecution),
    selectExecutionByKey: db.prepare(executions.selectExecutionByKey),
    selectWriteHead: db.prepare(executions.selectWriteHead),
    updateExecutionHead: db.prepare(executions.updateExecutionHead),
    incrementRecoveryAttempts: db.prepare(executions.incrementRecoveryAttempts),
    listExecutions: db.prepare(executions.listExecutions),
    selectUnfinished: db.prepare(executions.selectUnfinished),

    insertEvent: db.prepare(history.insertEvent),
    selectHistory: db.prepare(history.selectHistory),

    upsertWork: db.prepare(work.upsertWork),
    deleteWork: db.prepare(work.deleteWork),
    deleteAllWork: db.prepare(work.deleteAllWork),
    claimWork: db.prepare(work.claimWork),
    releaseWork: db.prepare(work.releaseWork),
    selectDueTimers: db.prepare(work.selectDueTimers),
    selectNextDue: db.prepare(work.selectNextDue),

    upsertCache: db.prepare(cache.upsertCache),
    selectCache: db.prepare(cache.selectCache),
    deleteStaleCache: db.prepare(cache.deleteStaleCache),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
