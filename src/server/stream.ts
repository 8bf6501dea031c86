// WebSocket streams of committed history events.
//
//   /api/v1/executions/{id}/stream?after=SEQ   one execution; resumable
//   /api/v1/stream?namespace=NS&workflow=NAME  every execution matching (live only)
//
// Messages (JSON, one per frame), in commit order per execution:
//   {kind: 'history',   seq, executionId, event}       a history event
//   {kind: 'lifecycle', seq, executionId, cloudevent}  the spec's lifecycle CloudEvent of it
//   {kind: 'end',       seq, executionId}              the execution ended (execution streams)
//
// Resume without a gap or a duplicate: subscribe first and buffer live events, read the
// history from the store, send what follows `after`, then drain the buffer dropping every
// seq already sent, then go live.
//
// Slow clients: at most maxQueued messages or maxBufferedBytes waiting in a socket;
// past that the server closes it with code 4001 and the reason `reconnect with
// after=SEQ` (the last seq it sent), so memory stays bounded and the client loses nothing.
import type { WebSocket } from 'ws';
import { LifecycleDeriver } from './lifecycle.js';
import type { Principal } from './keys.js';
import { inNamespace } from './policy.js';
import type { EnginePort, SequencedEvent } from './port.js';

export const slowConsumerCode = 4001;

export interface StreamLimits {
  maxQueued: number;
  maxBufferedBytes: number;
  /**
   * How often an execution stream also reads the history from the store: events of an
   * execution another process drives (several workers on PostgreSQL) reach no hook here.
   */
  tailMs?: number;
}

export const defaultStreamLimits: StreamLimits = {
  maxQueued: 1000,
  maxBufferedBytes: 1 << 20,
  tailMs: 1000,
};

const terminal = new Set(['ExecutionCompleted', 'ExecutionFaulted', 'ExecutionCancelled']);

class Sender {
  private queued = 0;
  closed = false;
  lastSeq = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly limits: StreamLimits,
  ) {
    ws.on('close', () => (this.closed = true));
  }

  send(message: object, seq: number): void {
    if (this.closed) return;
    if (
      this.queued >= this.limits.maxQueued ||
      this.ws.bufferedAmount > this.limits.maxBufferedBytes
    ) {
      this.closed = true;
      this.ws.close(slowConsumerCode, `reconnect with after=${this.lastSeq}`);
      return;
    }
    this.queued++;
    this.lastSeq = seq;
    this.ws.send(JSON.stringify(message), () => this.queued--);
  }
}

function emit(sender: Sender, lifecycle: LifecycleDeriver | undefined, e: SequencedEvent): void {
  sender.send({ kind: 'history', seq: e.seq, executionId: e.executionId, event: e.event }, e.seq);
  const ce = lifecycle?.derive(e.seq, e.event);
  if (ce)
    sender.send(
      { kind: 'lifecycle', seq: e.seq, executionId: e.executionId, cloudevent: ce },
      e.seq,
    );
}

/** Streams one execution from `after` on; the socket closes (1000) after its last event. */
export async function streamExecution(
  ws: WebSocket,
  port: EnginePort,
  executionId: string,
  after: number,
  limits: StreamLimits = defaultStreamLimits,
): Promise<void> {
  const sender = new Sender(ws, limits);
  const lifecycle = new LifecycleDeriver(executionId);
  const buffer: SequencedEvent[] = [];
  let live = false;
  let sent = after;
  const deliver = (e: SequencedEvent) => {
    if (e.seq <= sent) {
      if (e.seq > 0) lifecycle.derive(e.seq, e.event); // fills the task map only
      return;
    }
    sent = e.seq;
    emit(sender, lifecycle, e);
    if (terminal.has(e.event.type)) finish(e.seq);
  };
  let tail: NodeJS.Timeout | undefined;
  const finish = (seq: number) => {
    unsubscribe();
    if (tail) clearInterval(tail);
    if (!sender.closed) {
      sender.send({ kind: 'end', seq, executionId }, seq);
      ws.close(1000, 'the execution ended');
    }
  };
  const unsubscribe = port.subscribe({ executionId }, (e) => (live ? deliver(e) : buffer.push(e)));
  ws.on('close', () => {
    unsubscribe();
    if (tail) clearInterval(tail);
  });
  const past = await port.history(executionId, 0);
  for (const e of past) {
    if (e.seq <= after) lifecycle.derive(e.seq, e.event);
    else deliver(e);
  }
  for (const e of buffer.sort((a, b) => a.seq - b.seq)) deliver(e);
  buffer.length = 0;
  live = true;
  // an execution that ended before `after` was reached: nothing more will come
  const last = past.at(-1);
  if (last && terminal.has(last.event.type) && last.seq <= after) return finish(last.seq);
  if (last && terminal.has(last.event.type)) return;
  // the store is the source of truth: what another process records arrives this way
  let reading = false;
  tail = setInterval(() => {
    if (reading || sender.closed) return;
    reading = true;
    port
      .history(executionId, sent)
      .then((events) => events.forEach(deliver))
      .catch(() => undefined)
      .finally(() => (reading = false));
  }, limits.tailMs ?? 1000);
}

/** Streams every execution matching the filter and the caller's namespaces, live. */
export function streamFirehose(
  ws: WebSocket,
  port: EnginePort,
  principal: Principal,
  filter: { namespace?: string; workflow?: string },
  limits: StreamLimits = defaultStreamLimits,
): void {
  const sender = new Sender(ws, limits);
  const derivers = new Map<string, LifecycleDeriver>();
  const unsubscribe = port.subscribe(filter, (e) => {
    if (!inNamespace(principal, e.workflow.namespace)) return;
    let d = derivers.get(e.executionId);
    if (!d) derivers.set(e.executionId, (d = new LifecycleDeriver(e.executionId)));
    emit(sender, d, e);
    if (terminal.has(e.event.type)) derivers.delete(e.executionId);
  });
  ws.on('close', unsubscribe);
}
