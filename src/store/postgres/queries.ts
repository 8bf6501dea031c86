// The read queries that take more than one line: listing with a cursor, loading history.
// `read` runs one statement on any pooled connection (retried on a lost connection).

import type pg from 'pg';
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
import * as executions from './sql/executions.js';
import * as history from './sql/history.js';
import * as workflows from './sql/workflows.js';

export type Read = <R extends pg.QueryResultRow>(sql: string, params: unknown[]) => Promise<R[]>;

export async function listExecutionsPage(
  read: Read,
  filter: ExecutionFilter,
): Promise<ExecutionPage> {
  const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 50), 1), 1000);
  const cursor = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
  const rows = await read<ExecutionRow>(executions.listExecutions, [
    filter.workflow?.namespace ?? null,
    filter.workflow?.name ?? null,
    filter.workflow?.version ?? null,
    filter.parentId ?? null,
    filter.states ? [...filter.states] : null,
    cursor?.createdAt ?? null,
    cursor?.id ?? null,
    // One more than asked: tells whether there is a next page without a count query.
    limit + 1,
  ]);
  const items = rows.slice(0, limit).map(toExecution);
  const last = items[items.length - 1];
  const page: ExecutionPage = { items };
  if (rows.length > limit && last) page.nextCursor = encodeCursor(last);
  return page;
}

export async function listWorkflowsPage(read: Read, filter: WorkflowFilter): Promise<WorkflowPage> {
  const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 50), 1), 1000);
  const cursor = filter.cursor === undefined ? undefined : decodeWorkflowCursor(filter.cursor);
  const rows = await read<WorkflowRow>(workflows.listWorkflows, [
    filter.namespace ?? null,
    cursor?.namespace ?? null,
    cursor?.name ?? null,
    cursor?.createdAt ?? null,
    cursor?.version ?? null,
    // One more than asked: tells whether there is a next page without a count query.
    limit + 1,
  ]);
  const items = rows.slice(0, limit).map(toWorkflow);
  const last = items[items.length - 1];
  const page: WorkflowPage = { items };
  if (rows.length > limit && last) page.nextCursor = encodeWorkflowCursor(last);
  return page;
}

export type HistoryRow = { seq: number; body: string };

/**
 * An execution's history from `rows` (one read, or its part of a coalesced read); no row
 * at all means the execution does not exist, unless a lookup says it does.
 */
export async function toHistoryRecords(
  read: Read,
  executionId: string,
  rows: readonly HistoryRow[],
): Promise<HistoryRecord[]> {
  if (rows.length === 0) {
    const exists = await read(executions.selectExists, [executionId]);
    if (exists.length === 0) throw new NotFoundError(`execution ${executionId} does not exist`);
  }
  return rows.map((row) => ({
    seq: row.seq,
    event: decodeEvent(row, { executionId, seq: row.seq }),
  }));
}

export async function loadHistoryRecords(
  read: Read,
  executionId: string,
  opts: { after?: number; limit?: number },
): Promise<HistoryRecord[]> {
  const rows = await read<HistoryRow>(history.selectHistory, [
    executionId,
    opts.after ?? 0,
    opts.limit ?? null,
  ]);
  return toHistoryRecords(read, executionId, rows);
}
