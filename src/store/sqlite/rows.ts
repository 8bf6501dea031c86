// Rows as SQLite returns them, and their mapping to the Store's records.

import type { Json } from '../../history/events.js';
import type { ExecutionRecord, ExecutionStatus, WorkflowRecord, WorkItem } from '../types.js';

export interface WorkflowRow {
  namespace: string;
  name: string;
  version: string;
  hash: string;
  source: string;
  created_at: number;
}

export interface ExecutionRow {
  id: string;
  namespace: string;
  name: string;
  version: string;
  hash: string;
  input: string;
  state: string;
  status: string;
  idempotency_key: string | null;
  parent_id: string | null;
  priority: number;
  recovery_attempts: number;
  created_at: number;
  /** When the status last changed (a step that leaves it alone does not write the row). */
  updated_at: number;
  /** From the newest history row (sql/history.ts tailColumns). */
  next_seq: number;
  history_bytes: number;
  last_event_at: number | null;
  /** Only where the query asks (getExecution): 1 / true while no claim admitted it. */
  awaiting_admission?: number | boolean;
}

export interface WorkRow {
  execution_id: string;
  key: string;
  kind: string;
  due_at: number;
  payload: string | null;
  priority: number;
  claimed_by: string | null;
  lease_until: number | null;
}

export function toWorkflow(row: WorkflowRow): WorkflowRecord {
  return {
    namespace: row.namespace,
    name: row.name,
    version: row.version,
    hash: row.hash,
    source: row.source,
    createdAt: row.created_at,
  };
}

export function toExecution(row: ExecutionRow): ExecutionRecord {
  const record: ExecutionRecord = {
    id: row.id,
    workflow: { namespace: row.namespace, name: row.name, version: row.version, hash: row.hash },
    input: JSON.parse(row.input) as Json,
    status: JSON.parse(row.status) as ExecutionStatus,
    priority: row.priority,
    nextSeq: row.next_seq,
    historyBytes: row.history_bytes,
    recoveryAttempts: row.recovery_attempts,
    createdAt: row.created_at,
    // the later of the last status change and the newest event
    updatedAt:
      row.last_event_at !== null && row.last_event_at > row.updated_at
        ? row.last_event_at
        : row.updated_at,
  };
  if (row.idempotency_key !== null) record.idempotencyKey = row.idempotency_key;
  if (row.parent_id !== null) record.parentId = row.parent_id;
  if (row.awaiting_admission) record.awaitingAdmission = true;
  return record;
}

export function toWorkItem(row: WorkRow): WorkItem {
  const item: WorkItem = {
    executionId: row.execution_id,
    key: row.key,
    kind: row.kind === 'timer' ? 'timer' : 'ready',
    dueAt: row.due_at,
    priority: row.priority,
  };
  if (row.payload !== null) item.payload = JSON.parse(row.payload) as Json;
  if (row.claimed_by !== null) item.claimedBy = row.claimed_by;
  if (row.lease_until !== null) item.leaseUntil = row.lease_until;
  return item;
}
