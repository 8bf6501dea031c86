// Checks and serialises a commit before it reaches the writer: JSON encoding, payload
// limits and the shape of the request happen here, outside the transaction, so the
// single writer spends its time on SQL only. Shared by every Store implementation.

import { encodeEvent, type EncodedEvent } from '../history/codec.js';
import { prepareSlots, type NewSlot } from './admission.js';
import { canonicalJson } from './canonical.js';
import { InvalidRequestError } from './errors.js';
import { byteLength, checkPayload, type StoreLimits } from './limits.js';
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
  /** The input in canonical JSON, when there is an idempotency key ('' otherwise). */
  canonicalInput: string;
  started: EncodedEvent;
  startedBytes: number;
  work: PreparedWork[];
  /** Its concurrency and rate slots (NewExecution.concurrency/rate), not admitted. */
  slots: NewSlot[];
}

export interface PreparedWrite {
  write: ExecutionWrite;
  events: EncodedEvent[];
  eventBytes: number;
  /** Each event's bytes, in order (the SQLite store keeps a running total per row). */
  eventSizes: number[];
  status: PreparedStatus | undefined;
  addWork: PreparedWork[];
}

const states = new Set(['running', 'suspended', 'completed', 'faulted', 'cancelled', 'parked']);

/** Encodes one event and checks its size; `where` is built only for an error message. */
function encode(
  limits: StoreLimits,
  where: () => string,
  event: NewExecution['startedEvent'],
): { encoded: EncodedEvent; bytes: number } {
  let encoded: EncodedEvent;
  try {
    encoded = encodeEvent(event);
  } catch (error) {
    throw new InvalidRequestError(`${where()}: ${(error as Error).message}`);
  }
  const bytes = byteLength(encoded.body);
  if (bytes > limits.maxPayloadBytes) checkPayload(limits, encoded.body, where());
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
  const slots = prepareSlots(execution);
  if (slots.length > 0 && execution.work?.some((item) => item?.claim !== undefined)) {
    throw new InvalidRequestError(
      `${where}: an execution under concurrency or rate limits is admitted by claimWork; ` +
        'add its work unclaimed',
    );
  }
  const { encoded, bytes } = encode(
    limits,
    () => `${where}: event 1 (ExecutionStarted)`,
    execution.startedEvent,
  );
  return {
    execution,
    input,
    // compared only with the execution an idempotency key finds
    canonicalInput:
      execution.idempotencyKey === undefined ? '' : canonicalJson(execution.input ?? null),
    started: encoded,
    startedBytes: bytes,
    work: (execution.work ?? []).map((item) => prepareWork(limits, where, item)),
    slots,
  };
}

export function prepareWrite(limits: StoreLimits, write: ExecutionWrite): PreparedWrite {
  const where = `execution ${write.executionId}`;
  if (!Number.isSafeInteger(write.expectedNextSeq) || write.expectedNextSeq < 1) {
    throw new InvalidRequestError(`${where}: expectedNextSeq must be a positive integer`);
  }
  const input = write.events ?? [];
  const events: EncodedEvent[] = new Array<EncodedEvent>(input.length);
  const eventSizes: number[] = new Array<number>(input.length);
  let eventBytes = 0;
  for (let i = 0; i < input.length; i++) {
    const event = input[i]!;
    // an inline arrow: a named one costs a __name call per event under tsx (keepNames)
    const { encoded, bytes } = encode(
      limits,
      () => `${where}: event ${write.expectedNextSeq + i} (${event?.type})`,
      event,
    );
    events[i] = encoded;
    eventSizes[i] = bytes;
    eventBytes += bytes;
  }
  return {
    write,
    events,
    eventBytes,
    eventSizes,
    status: write.status === undefined ? undefined : prepareStatus(limits, where, write.status),
    addWork:
      write.addWork === undefined || write.addWork.length === 0
        ? []
        : write.addWork.map((item) => prepareWork(limits, where, item)),
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
  if (entry.key.includes('\u0000')) {
    // PostgreSQL's text cannot hold it: refused on every store alike
    throw new InvalidRequestError(
      `cache entry ${JSON.stringify(entry.key)}: a key cannot contain the NUL character`,
    );
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
  if (writes.length > 1) {
    const ids = new Set<string>();
    for (const w of writes) {
      if (ids.has(w.write.executionId)) {
        throw new InvalidRequestError(
          `commit: execution ${w.write.executionId} appears twice in one batch; merge its writes`,
        );
      }
      ids.add(w.write.executionId);
    }
  }
  const { create, cache } = batch;
  return {
    now: batch.now,
    creates: create && create.length > 0 ? create.map((e) => prepareCreate(limits, e)) : [],
    writes,
    cache: cache && cache.length > 0 ? cache.map((entry) => prepareCacheEntry(limits, entry)) : [],
  };
}

/** What is wrong with pruneExecutions' arguments, or undefined. */
export function pruneProblem(before: number, limit: number): string | undefined {
  if (!Number.isSafeInteger(before)) return 'before must be an integer (ms since the epoch)';
  if (!Number.isSafeInteger(limit) || limit <= 0) return 'limit must be a positive integer';
  return undefined;
}
