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
