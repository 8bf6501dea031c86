// The bodies of the write operations, run by the writer inside a savepoint of the
// current group transaction (writer.ts). They throw StoreErrors; the writer rolls
// the savepoint back, so a failed operation leaves no trace and its neighbours in the
// same transaction are unaffected.

import {
  ConflictError,
  IdempotencyConflictError,
  LeaseLostError,
  NotFoundError,
  SequenceMismatchError,
} from '../errors.js';
import type { Json } from '../../history/events.js';
import { checkHistory, type StoreLimits } from '../limits.js';
import { canonicalJson } from '../canonical.js';
import type { PreparedBatch, PreparedCreate, PreparedWork, PreparedWrite } from '../prepare.js';
import {
  terminalStates,
  type CommitResult,
  type CreatedExecution,
  type ExecutionRecord,
  type NewWorkflow,
  type WorkflowRecord,
} from '../types.js';
import type { Head, WriteHeads } from './heads.js';
import { toExecution, toWorkflow, type ExecutionRow, type WorkflowRow } from './rows.js';
import { maxXid } from './sql/history.js';
import type { Statements } from './statements.js';

function addWork(s: Statements, executionId: string, priority: number, work: PreparedWork[]) {
  for (const item of work) s.upsertWork.run({ executionId, priority, ...item });
}

export function applyCreate(
  s: Statements,
  heads: WriteHeads,
  limits: StoreLimits,
  prepared: PreparedCreate,
): CreatedExecution {
  const { execution } = prepared;
  const { namespace, name, version, hash } = execution.workflow;
  const ref = `${namespace}/${name}:${version}`;

  if (execution.idempotencyKey !== undefined) {
    const row = s.selectExecutionByKey.get(execution.idempotencyKey) as ExecutionRow | undefined;
    if (row) {
      const existing = toExecution(row);
      const w = existing.workflow;
      if (
        w.namespace !== namespace ||
        w.name !== name ||
        w.version !== version ||
        w.hash !== hash
      ) {
        throw new IdempotencyConflictError(execution.idempotencyKey, row.id, `workflow (${ref})`);
      }
      if (canonicalJson(existing.input) !== prepared.canonicalInput) {
        throw new IdempotencyConflictError(execution.idempotencyKey, row.id, 'input');
      }
      return { execution: existing, created: false };
    }
  }

  const workflow = s.selectWorkflowHash.get(namespace, name, version) as
    { hash: string } | undefined;
  if (!workflow) throw new NotFoundError(`workflow ${ref} is not registered`);
  if (workflow.hash !== hash) {
    throw new ConflictError(
      `execution ${execution.id}: workflow ${ref} is registered with hash ${workflow.hash}, not ${hash}`,
    );
  }
  if (s.selectExists.get(execution.id)) {
    throw new ConflictError(`execution ${execution.id} already exists`);
  }
  if (execution.parentId !== undefined && !s.selectExists.get(execution.parentId)) {
    throw new NotFoundError(
      `execution ${execution.id}: parent execution ${execution.parentId} does not exist`,
    );
  }
  checkHistory(limits, execution.id, 1, prepared.startedBytes);

  const createdAt = prepared.started.time;
  const priority = execution.priority ?? 0;
  const xid = Number(
    s.insertExecution.run(
      execution.id,
      namespace,
      name,
      version,
      hash,
      prepared.input,
      'running',
      '{"state":"running"}',
      execution.idempotencyKey ?? null,
      execution.parentId ?? null,
      priority,
      createdAt,
      createdAt,
    ).lastInsertRowid,
  );
  if (xid > maxXid) {
    // 8.8e12 executions over the file's life (sql/history.ts): rolled back, no more fit
    throw new Error(
      `execution ${execution.id}: this SQLite file has used all ${maxXid} execution keys`,
    );
  }
  const e = prepared.started;
  s.insertEvent.run(xid, 1, e.type, e.v, e.time, prepared.startedBytes, e.body);
  heads.stage(execution.id, {
    xid,
    state: 'running',
    priority,
    recovery_attempts: 0,
    last_seq: 1,
    total: prepared.startedBytes,
  });
  addWork(s, execution.id, priority, prepared.work);
  for (const slot of prepared.slots) {
    s.insertSlot.run(execution.id, slot.kind, slot.key, slot.lim, slot.periodMs);
  }
  // The record from what was just inserted, not read back (a read and two JSON.parse
  // per start); `input` parsed from its stored text so the caller gets its own copy.
  const record: ExecutionRecord = {
    id: execution.id,
    workflow: { namespace, name, version, hash },
    input: JSON.parse(prepared.input) as Json,
    status: { state: 'running' },
    priority,
    nextSeq: 2,
    historyBytes: prepared.startedBytes,
    recoveryAttempts: 0,
    createdAt,
    updatedAt: createdAt,
  };
  if (execution.idempotencyKey !== undefined) record.idempotencyKey = execution.idempotencyKey;
  if (execution.parentId !== undefined) record.parentId = execution.parentId;
  if (prepared.slots.length > 0) record.awaitingAdmission = true; // its slots: unadmitted
  return { execution: record, created: true };
}

/** Appends one execution's part of a commit; returns its new nextSeq. */
export function applyWrite(
  s: Statements,
  heads: WriteHeads,
  limits: StoreLimits,
  prepared: PreparedWrite,
  now: number,
): number {
  const { write, events, status } = prepared;
  const id = write.executionId;
  const head = heads.get(id) ?? (s.selectWriteHead.get(id) as Head | undefined);
  if (!head) throw new NotFoundError(`execution ${id} does not exist`);
  // The fence first: a worker that lost the execution must drop it, not retry.
  if (write.lease) {
    for (const key of write.lease.keys) {
      const row = s.selectWorkHolder.get(id, key) as { claimed_by: string | null } | undefined;
      if (row?.claimed_by !== write.lease.worker) {
        throw new LeaseLostError(id, key, write.lease.worker, row?.claimed_by ?? undefined);
      }
    }
  }
  const headSeq = head.last_seq + 1;
  if (headSeq !== write.expectedNextSeq) {
    throw new SequenceMismatchError(id, write.expectedNextSeq, headSeq);
  }
  const changes = events.length > 0 || status !== undefined || prepared.addWork.length > 0;
  if (changes && terminalStates.includes(head.state)) {
    throw new ConflictError(`execution ${id} is ${head.state}: it takes no more history or work`);
  }
  const nextSeq = headSeq + events.length;
  checkHistory(limits, id, nextSeq - 1, head.total + prepared.eventBytes);

  // Each row carries the history's bytes through it: the next commit reads them back.
  let total = head.total;
  // One statement per row: one INSERT of two rows (VALUES (..), (..)) made the step 3-4%
  // slower at NORMAL than two runs of this one (session 13).
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    total += prepared.eventSizes[i]!;
    s.insertEvent.run(head.xid, headSeq + i, e.type, e.v, e.time, total, e.body);
  }
  // The executions row is written only when the status or the recovery attempts change:
  // most steps write history rows alone (migration 16).
  const attempts = write.recoveryAttempts;
  if (status) {
    s.updateExecutionStatus.run(status.state, status.json, attempts ?? null, now, head.xid);
  } else if (attempts !== undefined && attempts !== head.recovery_attempts) {
    s.setRecoveryAttempts.run(attempts, now, head.xid);
  }
  // What the next write to it needs, kept when this commits (heads.ts); an execution
  // that ended takes no more writes.
  const state = status?.state ?? head.state;
  if (terminalStates.includes(state)) {
    heads.forget(id);
  } else {
    heads.stage(id, {
      xid: head.xid,
      state,
      priority: head.priority,
      recovery_attempts: attempts ?? head.recovery_attempts,
      last_seq: nextSeq - 1,
      total,
    });
  }
  for (const key of write.removeWork ?? []) s.deleteWork.run(id, key);
  if (status && terminalStates.includes(status.state)) {
    // A finished execution has nothing left to do: its timers and ready work go, and
    // its concurrency slots with them (docs/operations.md "Limits").
    s.deleteAllWork.run(id);
    s.deleteFinishedSlots.run({ id, now });
  } else {
    if (status?.state === 'parked') s.freeSlots.run(id);
    if (prepared.addWork.length > 0) addWork(s, id, head.priority, prepared.addWork);
  }
  return nextSeq;
}

export function applyBatch(
  s: Statements,
  heads: WriteHeads,
  limits: StoreLimits,
  batch: PreparedBatch,
): CommitResult {
  const result = {
    created: batch.creates.map((c) => applyCreate(s, heads, limits, c)),
    nextSeqs: batch.writes.map((w) => applyWrite(s, heads, limits, w, batch.now)),
  };
  for (const c of batch.cache) s.upsertCache.run(c.key, c.result, batch.now, c.expiresAt);
  return result;
}

export function applyPutWorkflow(
  s: Statements,
  workflow: NewWorkflow,
): { workflow: WorkflowRecord; created: boolean } {
  const ref = `${workflow.namespace}/${workflow.name}:${workflow.version}`;
  const row = s.selectWorkflow.get(workflow.namespace, workflow.name, workflow.version) as
    WorkflowRow | undefined;
  if (row) {
    if (row.hash !== workflow.hash) {
      throw new ConflictError(
        `workflow ${ref} is already registered with another content (hash ${row.hash}, ` +
          `not ${workflow.hash}): registered versions are immutable, use a new version`,
      );
    }
    return { workflow: toWorkflow(row), created: false };
  }
  s.insertWorkflow.run(workflow);
  return { workflow: { ...workflow }, created: true };
}
