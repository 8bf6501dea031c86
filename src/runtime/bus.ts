// The in-process event bus: `emit` tasks and `engine.publish()` put CloudEvents on it;
// `listen` tasks subscribe while they wait. Only subscribers present when an event is
// published see it (a listen consumes events that arrive after it started listening,
// as the DSL says); nothing is buffered. A durable bus arrives with the store.
import type { CloudEvent } from '../history/events.js';

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
