// The in-process event bus: `emit` tasks and `engine.publish()` put CloudEvents on it;
// `listen` tasks subscribe while they wait. Only subscribers present when an event is
// published see it (a listen consumes events that arrive after it started listening,
// as the DSL says); nothing is buffered here. The durable engine also keeps events in the
// store for a retention, so a listen reached later still gets them (durable/events.ts).
import type { CloudEvent } from '../history/events.js';
import { ProblemError, problem } from './problems.js';

/** Refuses an event without the attributes every CloudEvent has: a 400 naming them. */
export function checkCloudEvent(event: CloudEvent): void {
  const missing = (['specversion', 'id', 'source', 'type'] as const).filter(
    (k) => typeof event?.[k] !== 'string' || event[k] === '',
  );
  if (missing.length)
    throw new ProblemError(
      problem(
        'validation',
        'Invalid event',
        `a CloudEvent needs string ${missing.map((k) => `'${k}'`).join(', ')}`,
      ),
      false,
    );
}

export type Subscriber = (event: CloudEvent) => void;

export class EventBus {
  private readonly subscribers = new Set<Subscriber>();

  subscribe(fn: Subscriber): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  publish(event: CloudEvent): void {
    for (const fn of [...this.subscribers]) fn(event);
  }

  get size(): number {
    return this.subscribers.size;
  }
}
