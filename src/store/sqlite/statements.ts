// Every statement the SQLite store runs, prepared once per connection.

import type Database from 'better-sqlite3';
import * as cache from './sql/cache.js';
import * as events from './sql/events.js';
import * as executions from './sql/executions.js';
import * as history from './sql/history.js';
import * as limits from './sql/limits.js';
import * as work from './sql/work.js';
import * as workflows from './sql/workflows.js';

const sources = {
  begin: 'BEGIN IMMEDIATE',
  commit: 'COMMIT',
  rollback: 'ROLLBACK',
  savepoint: 'SAVEPOINT op',
  release: 'RELEASE op',
  rollbackTo: 'ROLLBACK TO op',
  /** Moves when another connection commits (SqliteStore.watchOthers). */
  dataVersion: 'PRAGMA data_version',

  insertWorkflow: workflows.insertWorkflow,
  selectWorkflow: workflows.selectWorkflow,
  selectWorkflowHash: workflows.selectWorkflowHash,
  selectWorkflowVersions: workflows.selectWorkflowVersions,
  selectWorkflowVersionHashes: workflows.selectWorkflowVersionHashes,
  listWorkflows: workflows.listWorkflows,

  insertExecution: executions.insertExecution,
  selectExecution: executions.selectExecution,
  selectExecutionByKey: executions.selectExecutionByKey,
  selectExists: executions.selectExists,
  selectWriteHead: executions.selectWriteHead,
  updateExecutionStatus: executions.updateExecutionStatus,
  setRecoveryAttempts: executions.setRecoveryAttempts,
  incrementRecoveryAttempts: executions.incrementRecoveryAttempts,
  listExecutions: executions.listExecutions,
  selectUnfinished: executions.selectUnfinished,
  selectPrunable: executions.selectPrunable,
  selectEndedAmong: executions.selectEndedAmong,
  deleteExecution: executions.deleteExecution,

  insertEvent: history.insertEvent,
  selectHistory: history.selectHistory,
  deleteHistory: history.deleteHistory,

  upsertWork: work.upsertWork,
  deleteWork: work.deleteWork,
  deleteAllWork: work.deleteAllWork,
  selectClaimable: work.selectClaimable,
  claimOne: work.claimOne,
  releaseWork: work.releaseWork,
  renewLease: work.renewLease,
  selectClaimHolders: work.selectClaimHolders,
  voidClaimsOf: work.voidClaimsOf,
  addMissingRunItems: work.addMissingRunItems,
  selectWorkHolder: work.selectWorkHolder,
  selectDueTimers: work.selectDueTimers,
  selectNextDue: work.selectNextDue,

  insertSlot: limits.insertSlot,
  selectSlots: limits.selectSlots,
  countHeld: limits.countHeld,
  countAdmitted: limits.countAdmitted,
  admitExecution: limits.admitExecution,
  freeSlots: limits.freeSlots,
  deleteFinishedSlots: limits.deleteFinishedSlots,
  pruneRate: limits.pruneRate,
  insertStoredEvent: events.insertEvent,
  selectEventByKey: events.selectEventByKey,
  selectEvents: events.selectEvents,
  selectLastEventSeq: events.selectLastEventSeq,
  deleteOldEvents: events.deleteOldEvents,

  upsertCache: cache.upsertCache,
  selectCache: cache.selectCache,
  deleteStaleCache: cache.deleteStaleCache,
};

export type Statements = { readonly [K in keyof typeof sources]: Database.Statement };

export function prepareStatements(db: Database.Database): Statements {
  const entries = Object.entries(sources).map(([name, sql]) => [name, db.prepare(sql)]);
  return Object.fromEntries(entries) as Statements;
}
