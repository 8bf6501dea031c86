// Opaque cursors for listExecutions: base64url of [createdAt, id] of the last item.

import { InvalidRequestError } from './errors.js';

export function encodeCursor(last: { createdAt: number; id: string }): string {
  return Buffer.from(JSON.stringify([last.createdAt, last.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: number; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new InvalidRequestError(`listExecutions: cursor "${cursor}" is not one this store made`);
}

/** The position of the last workflow of a listWorkflows page (its sort key). */
export interface WorkflowCursor {
  namespace: string;
  name: string;
  createdAt: number;
  version: string;
}

// Opaque cursors for listWorkflows: base64url of [namespace, name, createdAt, version].
export function encodeWorkflowCursor(last: WorkflowCursor): string {
  const key = [last.namespace, last.name, last.createdAt, last.version];
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeWorkflowCursor(cursor: string): WorkflowCursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 4 &&
      typeof v[0] === 'string' &&
      typeof v[1] === 'string' &&
      typeof v[2] === 'number' &&
      typeof v[3] === 'string'
    ) {
      return { namespace: v[0], name: v[1], createdAt: v[2], version: v[3] };
    }
  } catch {
    // fall through to the error below
  }
  throw new InvalidRequestError(`listWorkflows: cursor "${cursor}" is not one this store made`);
}
