// Limits checked at the store boundary, so a runaway execution fails with a clear
// error naming the limit instead of filling the disk. Defaults follow Temporal's
// (2 MB payloads, 50K events / 50 MB of history per execution), rounded down.

import { LimitExceededError } from './errors.js';

export interface StoreLimits {
  /** Largest input, output, event or work payload, as UTF-8 JSON bytes. */
  maxPayloadBytes: number;
  /** Most history events one execution may have. */
  maxHistoryEvents: number;
  /** Most history bytes (UTF-8 JSON of every event) one execution may have. */
  maxHistoryBytes: number;
}

export const defaultLimits: StoreLimits = {
  maxPayloadBytes: 1024 * 1024,
  maxHistoryEvents: 50_000,
  maxHistoryBytes: 50 * 1024 * 1024,
};

export function resolveLimits(partial?: Partial<StoreLimits>): StoreLimits {
  const limits = { ...defaultLimits, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(`store limit ${name} must be a positive integer, got ${value}`);
    }
  }
  return limits;
}

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Throws when `text` (JSON) is larger than maxPayloadBytes; returns its size. */
export function checkPayload(limits: StoreLimits, text: string, where: string): number {
  const size = byteLength(text);
  if (size > limits.maxPayloadBytes) {
    throw new LimitExceededError('maxPayloadBytes', limits.maxPayloadBytes, size, where);
  }
  return size;
}

export function checkHistory(
  limits: StoreLimits,
  executionId: string,
  events: number,
  bytes: number,
): void {
  if (events > limits.maxHistoryEvents) {
    throw new LimitExceededError(
      'maxHistoryEvents',
      limits.maxHistoryEvents,
      events,
      `execution ${executionId}: history events`,
    );
  }
  if (bytes > limits.maxHistoryBytes) {
    throw new LimitExceededError(
      'maxHistoryBytes',
      limits.maxHistoryBytes,
      bytes,
      `execution ${executionId}: history bytes`,
    );
  }
}
