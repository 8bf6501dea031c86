// The durable engine's side of the events log (docs/guarantees.md "Events"):
//
//   publish ──appendEvents (durable)──> log ──tail, in seq order──> bus ──> listens waiting here
//                                        │                          └──> 'event:arrived' hook (schedule.on)
//                                        └──look back (a listen launched later)
//
// Every engine tails the log from the position it had when it was created, so each
// stored event reaches each engine's bus once, whichever process stored it. The tail is
// woken by store.onEvent (PostgreSQL NOTIFY; SQLite in-process) and polls every
// `eventPollMs` as well (a lost NOTIFY, several SQLite processes on one file). publish()
// resolves after the event is stored AND delivered to this engine's bus.
//
// Retention: a look back reaches `eventRetentionMs` back (default 1 hour); the tail
// prunes older events every retention/10 (at most every minute). After that, the event is
// gone: a listen reached later does not see it.
import type { CloudEvent } from '../../history/events.js';
import type { Store, StoredEvent } from '../../store/types.js';
import { type EventBus, checkCloudEvent } from '../bus.js';
import type { Clock } from '../clock.js';
import type { Hooks } from '../hooks.js';
import type { StoredEventSource } from '../lookback.js';

export const defaultEventRetentionMs = 60 * 60 * 1000;
export const defaultEventPollMs = 1000;
const pageSize = 500;

export interface EventFeedOptions {
  store: Store;
  bus: EventBus;
  clock: Clock;
  hooks: Hooks;
  retentionMs: number;
  pollMs: number;
}

export class EventFeed implements StoredEventSource {
  private cursor = 0;
  /** Reading the log's end when the engine starts; retried until it succeeds once. */
  private position: Promise<void> | undefined;
  private pumping: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private lastPrune: number | undefined;
  private readonly pruneEveryMs: number;
  private readonly timer: NodeJS.Timeout;
  private readonly off: (() => void) | undefined;

  constructor(private readonly o: EventFeedOptions) {
    if (!Number.isSafeInteger(o.retentionMs) || o.retentionMs <= 0)
      throw new RangeError(`eventRetentionMs must be a positive integer, got ${o.retentionMs}`);
    if (!Number.isSafeInteger(o.pollMs) || o.pollMs <= 0)
      throw new RangeError(`eventPollMs must be a positive integer, got ${o.pollMs}`);
    this.pruneEveryMs = Math.min(Math.ceil(o.retentionMs / 10), 60_000);
    this.started().catch(() => undefined);
    this.off = o.store.onEvent?.(() => void this.pump());
    this.timer = setInterval(() => void this.tick(), o.pollMs);
    this.timer.unref();
  }

  /** Stores the events, then delivers those new to the log to this engine's bus. */
  async publish(events: readonly CloudEvent[]): Promise<StoredEvent[]> {
    for (const event of events) checkCloudEvent(event);
    await this.started();
    const stored = await this.o.store.appendEvents(events, this.o.clock.now());
    await this.pump();
    return stored;
  }

  page(after: number, since: number): Promise<StoredEvent[]> {
    return this.o.store.readEvents({ after, since, limit: pageSize });
  }

  horizon(): number {
    return this.o.clock.now() - this.o.retentionMs;
  }

  /** Deletes the events older than the retention; returns how many. */
  prune(): Promise<number> {
    this.lastPrune = this.o.clock.now();
    return this.o.store.pruneEvents(this.horizon());
  }

  /** Reads the log past the cursor and delivers it; one reader at a time, again if asked meanwhile. */
  pump(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      try {
        do {
          this.again = false;
          await this.drain();
        } while (this.again && !this.closed);
      } catch {
        // the store is closed or unreachable: the next wake-up or poll tries again
      } finally {
        this.pumping = undefined;
      }
    })();
    return this.pumping;
  }

  /** The log's end when this engine started: later events reach its bus (an engine
   *  started after an event never delivers it live; its listens look back on it). */
  private started(): Promise<void> {
    this.position ??= this.o.store.lastEventSeq().then(
      (seq) => void (this.cursor = seq),
      (e: unknown) => {
        this.position = undefined; // the next publish or poll asks again
        throw e;
      },
    );
    return this.position;
  }

  private async drain(): Promise<void> {
    await this.started();
    for (;;) {
      const page = await this.o.store.readEvents({ after: this.cursor, limit: pageSize });
      for (const stored of page) {
        if (this.closed) return;
        this.cursor = stored.seq;
        this.o.hooks.emit('event:arrived', stored);
        this.o.bus.publish(stored.event);
      }
      if (page.length < pageSize) return;
    }
  }

  private async tick(): Promise<void> {
    await this.pump();
    const now = this.o.clock.now();
    if (this.lastPrune === undefined || now - this.lastPrune >= this.pruneEveryMs)
      await this.prune().catch(() => undefined);
  }

  /** Stops tailing (engine close); waits for a delivery in progress. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.off?.();
    await this.pumping;
  }
}
