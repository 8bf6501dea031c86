// The read queries that take more than one line: listing with a cursor, loading history.

import { decodeEvent } from '../../history/codec.js';
import {
  decodeCursor,
  decodeWorkflowCursor,
  encodeCursor,
  encodeWorkflowCursor,
} from '../cursor.js';
import { NotFoundError } from '../errors.js';
import type {
  ExecutionFilter,
  ExecutionPage,
  HistoryRecord,
  WorkflowFilter,
  WorkflowPage,
} from '../types.js';
import { toExecution, toWorkflow, type ExecutionRow, type WorkflowRow } from './rows.js';
import { maxSeq } from './sql/history.js';
import type { Statements } from './statements.js';

export function listExecutionsPage(s: Statements, filter: ExecutionFilter): ExecutionPage {
  const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 50), 1), 1000);
  const cursor = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
  const rows = s.listExecutions.all({
    namespace: filter.workflow?.namespace ?? null,
    name: filter.workflow?.name ?? null,
    version: filter.workflow?.version ?? null,
    parentId: filter.parentId ?? null,
    states: filter.states ? JSON.stringify(filter.states) : null,
    cursorCreated: cursor?.createdAt ?? null,
    cursorId: cursor?.id ?? null,
    // One more than asked: tells whether there is a next page without a count query.
    limit: limit + 1,
  }) as ExecutionRow[];
  const items = rows.slice(0, limit).map(toExecution);
  const last = items[items.length - 1];
  const page: ExecutionPage = { items };
  if (rows.length > limit && last) page.nextCursor = encodeCursor(last);
  return page;
}

export function listWorkflowsPage(s: Statements, filter: WorkflowFilter): WorkflowPage {
  const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 50), 1), 1000);
  const cursor = filter.cursor === undefined ? undefined : decodeWorkflowCursor(filter.cursor);
  const rows = s.listWorkflows.all({
    namespace: filter.namespace ?? null,
    cursorNamespace: cursor?.namespace ?? null,
    cursorName: cursor?.name ?? null,
    cursorCreated: cursor?.createdAt ?? null,
    cursorVersion: cursor?.version ?? null,
    // One more than asked: tells whether there is a next page without a count query.
    limit: limit + 1,
  }) as WorkflowRow[];
  const items = rows.slice(0, limit).map(toWorkflow);
  const last = items[items.length - 1];
  const page: WorkflowPage = { items };
  if (rows.length > limit && last) page.nextCursor = encodeWorkflowCursor(last);
  return page;
}

export function loadHistoryRecords(
  s: Statements,
  executionId: string,
  opts: { after?: number; limit?: number },
): HistoryRecord[] {
  const rows = s.selectHistory.all({
    id: executionId,
    // within the seq bits: a larger value would reach into the key of another execution
    after: Math.min(Math.max(Math.trunc(opts.after ?? 0), 0), maxSeq),
    limit: opts.limit ?? -1,
  }) as { seq: number; body: string }[];
  if (rows.length === 0 && !s.selectExists.get(executionId)) {
    throw new NotFoundError(`execution ${executionId} does not exist`);
  }
  return rows.map((row) => ({
    seq: row.seq,
    event: decodeEvent(row, { executionId, seq: row.seq }),
  }));
}
