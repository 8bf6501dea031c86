// A listen's look back on stored events (docs/guarantees.md "Events"). With an events log
// (the durable engine), a `listen` that is launched first subscribes to the bus (holding
// what arrives meanwhile), then offers the listen the stored events that match, in seq
// order, and then what the bus held. So an event sent before the listen was reached is
// not lost, for the retention.
//
// Which stored events: stored at or after max(the execution's start, now - retention),
// and not already received by this execution (its history's EventReceived): a listen in
// a loop does not consume the same stored event twice, while other executions still see
// it (events are broadcast, as on the bus). An event is offered to one listen at a time
// and the next only once the runner applied it (host.idle): a listen satisfied by the
// first does not record the second, which the next listen of the loop may then take.
// The same event (source, id) is offered to one listen once, by the log or by the bus.
//
// This runs only when the listen effect is launched (or relaunched at recovery), never
// when a recorded outcome is replayed: what a listen received is in the history.
import type { CloudEvent } from '../history/events.js';

/** A page of the events log (the durable engine's EventFeed). */
export interface StoredEventSource {
  /** Events with seq > after stored at or after `since`, in seq order, one page. */
  page(after: number, since: number): Promise<{ seq: number; event: CloudEvent }[]>;
  /** The oldest stored time a look back reaches now (now - retention). */
  horizon(): number;
  /** Stores events (an `emit` task's) and delivers them to this engine's bus. */
  publish(events: readonly CloudEvent[]): Promise<unknown>;
}

export interface LookbackHost {
  /** When the execution started (ms): events stored before belong to no listen of it. */
  readonly startedAt?: number;
  /** Did this execution's history already receive the event (source, id)? */
  hasReceived?(event: CloudEvent): boolean;
  /** Resolves once the outcomes delivered so far were applied. */
  idle?(): Promise<void>;
  /** False once the listen is satisfied, cancelled or the execution stopped. */
  active(): boolean;
}

export const eventKey = (e: CloudEvent): string => `${e.source}\u0000${e.id}`;

/**
 * Offers the stored events, then `held` (what the bus brought meanwhile), to `offer`,
 * which returns whether it delivered the event (it matched). Stops when the listen is no
 * longer active.
 */
export async function lookBack(
  source: StoredEventSource,
  host: LookbackHost,
  offer: (event: CloudEvent) => boolean,
): Promise<void> {
  const since = Math.max(host.startedAt ?? 0, source.horizon());
  let after = 0;
  for (;;) {
    const page = await source.page(after, since);
    for (const { seq, event } of page) {
      after = seq;
      if (!host.active()) return;
      if (host.hasReceived?.(event)) continue;
      if (offer(event)) await host.idle?.();
    }
    if (page.length === 0) return;
  }
}
