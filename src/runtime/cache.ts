// The weft `cache: {key, ttl}` extension on call and run tasks: a result recorded under
// the same key is reused while it is fresh, and the effect is not performed again. The
// key is scoped by what is called (the call name or the child workflow), so two
// different functions never share an entry. This cache lives in the engine's memory; a
// durable one (src/store) takes its place with the store. Only successful results are
// kept: a fault is never reused.
import type { CacheRequest } from '../core/commands.js';
import type { Json } from '../history/events.js';

export class EffectCache {
  private readonly entries = new Map<string, { result: Json; expiresAt: number }>();

  constructor(private readonly maxEntries = 10_000) {}

  static key(scope: string, req: CacheRequest): string {
    return `${scope}\u0000${JSON.stringify(req.key)}`;
  }

  get(key: string, now: number): Json | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (now >= e.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return e.result;
  }

  set(key: string, result: Json, now: number, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { result, expiresAt: now + ttlMs });
    // oldest first out when full (Map keeps insertion order)
    while (this.entries.size > this.maxEntries)
      this.entries.delete(this.entries.keys().next().value!);
  }
}
