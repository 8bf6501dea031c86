// Checks and serialises a commit before it reaches the writer: JSON encoding, payload
// limits and the shape of the request happen here, outside the transaction, so the
// single writer spends its time on SQL only. Shared by every Store implementation.

import { encodeEvent, type EncodedEvent } from '../history/codec.js';
import { canonicalJson } from './canonical.js';
import { InvalidRequestError } from './errors.js';
import { checkPayload, type StoreLimits } from './limits.js';
import type {
  CacheEntry,
  CommitBatch,
  ExecutionStatus,
  ExecutionWrite,
  NewExecution,
  NewWorkItem,
} from './types.js';

export interface PreparedWork {
  key: string;
  kind: 'ready' | 'timer';
  dueAt: number;
  payload: string | null;
  claimedBy: string | null;
  leaseUntil: number | null;
}

export interface PreparedStatus {
  state: ExecutionStatus['state'];
  json: string;
}

export interface PreparedCreate {
  execution: NewExecution;
  input: string;
  canonicalInput: string;
  started: EncodedEvent;
  startedBytes: number;
  work: PreparedWork[];
}

export interface PreparedWrite {
  write: ExecutionWrite;
  events: EncodedEvent[];
  eventBytes: number;
  status: PreparedStatus | undefined;
  addWork: PreparedWork[];
}

const states = new Set(['running', 'suspended', 'completed', 'faulted', 'cancelled', 'parked']);

function encode(limits: StoreLimits, where: string, event: NewExecution['startedEvent']) {
  let encoded: EncodedEvent;
  try {
    encoded = encodeEvent(event);
  } catch (error) {
    throw new InvalidRequestError(`${where}: ${(error as Error).message}`);
  }
  const bytes = checkPayload(limits, encoded.body, where);
  return { encoded, bytes };
}

function prepareWork(limits: StoreLimits, where: string, item: NewWorkItem): PreparedWork {
  if (typeof item.key !== 'string' || item.key === '') {
    throw new InvalidRequestError(`${where}: a work item needs a non-empty key`);
  }
  if (item.kind !== 'ready' && item.kind !== 'timer') {
    throw new InvalidRequestError(`${where}: work item ${item.key} has unknown kind ${item.kind}`);
  }
  if (!Number.isSafeInteger(item.dueAt)) {
    throw new InvalidRequestError(`${where}: work item ${item.key} needs an integer dueAt`);
  }
  let payload: string | null = null;
  if (item.payload !== undefined) {
    payload = JSON.stringify(item.payload);
    checkPayload(limits, payload, `${where}: work item ${item.key} payload`);
  }
  const claim = item.claim;
  if (
    claim !== undefined &&
    (typeof claim.worker !== 'string' ||
      claim.worker === '' ||
      !Number.isSafeInteger(claim.leaseUntil))
  ) {
    throw new InvalidRequestError(
      `${where}: work item ${item.key} claim needs a worker and an integer leaseUntil`,
    );
  }
  return {
    key: item.key,
    kind: item.kind,
    dueAt: item.dueAt,
    payload,
    claimedBy: claim?.worker ?? null,
    leaseUntil: claim?.leaseUntil ?? null,
  };
}

export function prepareStatus(
  limits: StoreLimits,
  where: string,
  status: ExecutionStatus,
): PreparedStatus {
  if (!status || !states.has(status.state)) {
    throw new InvalidRequestError(`${where}: unknown status ${JSON.stringify(status)}`);
  }
  const json = JSON.stringify(status);
  checkPayload(limits, json, `${where}: status ${status.state}`);
  return { state: status.state, json };
}

export function prepareCreate(limits: StoreLimits, execution: NewExecution): PreparedCreate {
  const where = `execution ${execution.id}`;
  if (typeof execution.id !== 'string' || execution.id === '') {
    throw new InvalidRequestError('an execution needs a non-empty string id');
  }
  if (execution.startedEvent?.type !== 'ExecutionStarted') {
    throw new InvalidRequestError(`${where}: the first history event must be ExecutionStarted`);
  }
  if (execution.priority !== undefined && !Number.isSafeInteger(execution.priority)) {
    throw new InvalidRequestError(`${where}: priority must be an integer`);
  }
  const input = JSON.stringify(execution.input ?? null);
  checkPayload(limits, input, `${where}: input`);
  const { encoded, bytes } = encode(
    limits,
    `${where}: event 1 (ExecutionStarted)`,
    execution.startedEvent,
  );
  return {
    execution,
    input,
    canonicalInput: canonicalJson(execution.input ?? null),
    started: encoded,
    startedBytes: bytes,
    work: (execution.work ?? []).map((item) => prepareWork(limits, where, item)),
  };
}

export function prepareWrite(limits: StoreLimits, write: ExecutionWrite): PreparedWrite {
  const where = `execution ${write.executionId}`;
  if (!Number.isSafeInteger(write.expectedNextSeq) || write.expectedNextSeq < 1) {
    throw new InvalidRequestError(`${where}: expectedNextSeq must be a positive integer`);
  }
  const events: EncodedEvent[] = [];
  let eventBytes = 0;
  (write.events ?? []).forEach((event, i) => {
    const seq = write.expectedNextSeq + i;
    const { encoded, bytes } = encode(limits, `${where}: event ${seq} (${event?.type})`, event);
    events.push(encoded);
    eventBytes += bytes;
  });
  return {
    write,
    events,
    eventBytes,
    status: write.status === undefined ? undefined : prepareStatus(limits, where, write.status),
    addWork: (write.addWork ?? []).map((item) => prepareWork(limits, where, item)),
  };
}

export interface PreparedCacheEntry {
  key: string;
  result: string;
  expiresAt: number;
}

export function prepareCacheEntry(limits: StoreLimits, entry: CacheEntry): PreparedCacheEntry {
  if (typeof entry.key !== 'string' || entry.key === '') {
    throw new InvalidRequestError('cache entry: a non-empty key is required');
  }
  if (!Number.isSafeInteger(entry.expiresAt)) {
    throw new InvalidRequestError(`cache entry ${entry.key}: expiresAt must be an integer`);
  }
  const result = JSON.stringify(entry.result ?? null);
  checkPayload(limits, result, `cache entry ${entry.key}`);
  return { key: entry.key, result, expiresAt: entry.expiresAt };
}

export interface PreparedBatch {
  now: number;
  creates: PreparedCreate[];
  writes: PreparedWrite[];
  cache: PreparedCacheEntry[];
}

export function prepareBatch(limits: StoreLimits, batch: CommitBatch): PreparedBatch {
  if (!Number.isSafeInteger(batch.now)) {
    throw new InvalidRequestError('commit: `now` must be an integer (ms since the epoch)');
  }
  const writes = (batch.writes ?? []).map((w) => prepareWrite(limits, w));
  const ids = new Set<string>();
  for (const w of writes) {
    if (ids.has(w.write.executionId)) {
      throw new InvalidRequestError(
        `commit: execution ${w.write.executionId} appears twice in one batch; merge its writes`,
      );
    }
    ids.add(w.write.executionId);
  }
  return {
    now: batch.now,
    creates: (batch.create ?? []).map((e) => prepareCreate(limits, e)),
    writes,
    cache: (batch.cache ?? []).map((entry) => prepareCacheEntry(limits, entry)),
  };
}
