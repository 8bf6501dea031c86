// Committed history events for the server's streams (EnginePort.subscribe), from two
// sources, each execution from exactly one of them at a time:
//
//   - local: the executions this process drives. The engine's `history:appended` hook
//     carries the seq of its first event. The ExecutionStarted event (seq 1) is written
//     by createExecution and comes with the `execution:started` hook, so for executions
//     started here it is published first. An execution driven here that this process did
//     not start (resumed after a restart, claimed from the store) is published from its
//     next event on, once its workflow is read.
//   - remote: the executions other processes drive (several workers on PostgreSQL), from
//     the store's history feed (Store.onHistory), subscribed only while a stream is open.
//     Each such execution keeps a cursor (the last seq published) and, at every change
//     the feed reports, reads its history after the cursor: a lost notification delays
//     events until the execution's next one (or until the feed says it was down, when
//     every followed execution catches up), it never reorders or repeats them. An
//     execution this process stops driving (its claim was lost) moves to the feed with
//     its cursor.
//
// Publication is chained per execution, so every subscriber sees seq order.
import type { HistoryEvent, WorkflowRef } from '../history/events.js';
import type { DurableEngine } from '../runtime/durable/engine.js';
import type { HistoryChange, Store } from '../store/types.js';
import type { SequencedEvent, StreamFilter } from './port.js';

interface Lane {
  /** Undefined until read (an execution this process did not start). */
  workflow?: WorkflowRef;
  chain: Promise<void>;
  /** The last seq published. */
  sent: number;
}

const terminal = new Set(['ExecutionCompleted', 'ExecutionFaulted', 'ExecutionCancelled']);

/** Most executions followed through the feed at once; the oldest is dropped past it. */
const maxRemote = 10_000;

export class Publisher {
  private readonly listeners = new Map<(e: SequencedEvent) => void, StreamFilter>();
  private readonly local = new Map<string, Lane>();
  private readonly remote = new Map<string, Lane>();
  /** Executions whose start() is in flight here: their ExecutionStarted goes out too. */
  private readonly startedHere = new Set<string>();
  private readonly offs: (() => void)[] = [];
  private offFeed: (() => void) | undefined;

  constructor(
    /** The engine's hooks (DurableEngine.on). */
    engine: Pick<DurableEngine, 'on'>,
    private readonly store: Store,
  ) {
    this.offs.push(
      engine.on('execution:started', ({ executionId, workflow, started }) => {
        if (this.remote.has(executionId)) return; // the feed has it: it keeps it
        const { namespace, name, version } = workflow;
        const lane: Lane = {
          workflow: { namespace, name, version },
          chain: Promise.resolve(),
          sent: 0,
        };
        this.local.set(executionId, lane);
        if (this.startedHere.delete(executionId)) this.publish(executionId, lane, 1, [started]);
      }),
      engine.on('history:appended', ({ executionId, events, firstSeq }) => {
        if (typeof firstSeq !== 'number' || this.remote.has(executionId)) return;
        const lane = this.local.get(executionId) ?? this.laneOf(this.local, executionId, 0);
        lane.chain = lane.chain.then(() => this.publish(executionId, lane, firstSeq, events));
        if (events.some((e) => terminal.has(e.type)))
          void lane.chain.then(() => {
            if (this.local.get(executionId) === lane) this.local.delete(executionId);
          });
      }),
      engine.on('execution:lost', ({ executionId }) => {
        const lane = this.local.get(executionId);
        if (!lane) return;
        this.local.delete(executionId);
        // another worker drives it now: the feed takes over, from the same cursor
        if (this.offFeed) this.remote.set(executionId, lane);
      }),
    );
  }

  /** start() of `id` is in flight: its ExecutionStarted is published when it starts here. */
  starting(id: string): void {
    this.startedHere.add(id);
  }

  started(id: string): void {
    this.startedHere.delete(id);
  }

  subscribe(filter: StreamFilter, listener: (e: SequencedEvent) => void): () => void {
    const l = (e: SequencedEvent) => {
      if (matches(filter, e.executionId, e.workflow)) listener(e);
    };
    this.listeners.set(l, filter);
    if (!this.offFeed) {
      try {
        this.offFeed = this.store.onHistory?.((changes) => this.feed(changes));
      } catch {
        // the store is closing: the hooks still publish what this process drives
      }
    }
    return () => {
      this.listeners.delete(l);
      if (this.listeners.size > 0 || !this.offFeed) return;
      this.offFeed();
      this.offFeed = undefined;
      this.remote.clear(); // live only: a later subscriber starts from its own now
    };
  }

  close(): void {
    for (const off of this.offs) off();
    this.offFeed?.();
    this.offFeed = undefined;
  }

  /** Whether some subscriber wants events of `id` (of `workflow`, when known). */
  private wanted(id: string, workflow?: WorkflowRef): boolean {
    for (const filter of this.listeners.values()) {
      if (filter.executionId !== undefined ? filter.executionId === id : !workflow) return true;
      if (workflow && matches(filter, id, workflow)) return true;
    }
    return false;
  }

  /** What the store's feed reports: executions driven elsewhere catch up from their cursor. */
  private feed(changes: readonly HistoryChange[]): void {
    if (changes.length === 0) {
      // changes may have been missed (the feed's connection was down): every execution
      // followed reads from its cursor, so one that ended meanwhile is shown ending
      for (const [id, lane] of this.remote)
        lane.chain = lane.chain.then(() => this.catchUp(id, lane));
      return;
    }
    for (const { executionId: id, firstSeq, lastSeq } of changes) {
      if (this.local.has(id)) continue; // driven here: the hooks publish it
      // nobody watches it (only execution streams of others are open): no read at all
      if (!this.remote.has(id) && !this.wanted(id)) continue;
      const lane = this.remote.get(id) ?? this.laneOf(this.remote, id, firstSeq - 1);
      lane.chain = lane.chain.then(() => this.catchUp(id, lane, lastSeq));
    }
    while (this.remote.size > maxRemote) this.remote.delete(this.remote.keys().next().value!);
  }

  /** Publishes what `id` recorded after the lane's cursor; `lastSeq`: up to where the feed
   *  said it appended (undefined: unknown, the feed was down). */
  private async catchUp(id: string, lane: Lane, lastSeq?: number): Promise<void> {
    if ((lastSeq !== undefined && lastSeq <= lane.sent) || this.remote.get(id) !== lane) return;
    let records;
    try {
      if (!lane.workflow) {
        // its first read failed: nothing is published (or skipped) until it is known
        const record = await this.store.getExecution(id);
        if (!record) return;
        const { namespace, name, version } = record.workflow;
        lane.workflow = { namespace, name, version };
      }
      if (!this.wanted(id, lane.workflow)) {
        // filtered out: skipped, not read
        if (lastSeq !== undefined) lane.sent = Math.max(lane.sent, lastSeq);
        return;
      }
      records = await this.store.loadHistory(id, { after: lane.sent });
    } catch {
      return; // the store is away: the execution's next change reads from the same cursor
    }
    for (const r of records) {
      if (r.seq !== lane.sent + 1) break; // never a gap: the next change reads again
      this.publish(id, lane, r.seq, [r.event]);
      if (terminal.has(r.event.type) && this.remote.get(id) === lane) this.remote.delete(id);
    }
  }

  /**
   * A lane whose workflow is read before its first events go out (publication waits for
   * it, so the order holds); `sent`: the seq it publishes after.
   */
  private laneOf(lanes: Map<string, Lane>, id: string, sent: number): Lane {
    const lane: Lane = { chain: Promise.resolve(), sent };
    lane.chain = this.store.getExecution(id).then(
      (record) => {
        if (!record) return;
        const { namespace, name, version } = record.workflow;
        lane.workflow = { namespace, name, version };
      },
      () => undefined, // the store is away: its events are not published
    );
    lanes.set(id, lane);
    return lane;
  }

  private publish(id: string, lane: Lane, first: number, events: readonly HistoryEvent[]): void {
    const { workflow } = lane;
    lane.sent = Math.max(lane.sent, first + events.length - 1);
    if (!workflow) return;
    events.forEach((event, i) => {
      const e: SequencedEvent = { seq: first + i, executionId: id, workflow, event };
      for (const l of this.listeners.keys()) {
        try {
          l(e);
        } catch {
          // one subscriber's failure is its own
        }
      }
    });
  }
}

function matches(filter: StreamFilter, id: string, workflow: WorkflowRef): boolean {
  if (filter.executionId !== undefined && id !== filter.executionId) return false;
  if (filter.namespace !== undefined && workflow.namespace !== filter.namespace) return false;
  if (filter.workflow !== undefined && workflow.name !== filter.workflow) return false;
  return true;
}
