// The weft `cache: {key, ttl}` extension on call and run tasks: a result recorded under
// the same key is reused while it is fresh, and the effect is not performed again. The
// key is scoped by what is called (the call name or the child workflow), so two
// different functions never share an entry. Only successful results are kept: a fault is
// never reused. Two places keep them: the in-memory engine's EffectCache (this process,
// bounded), and the durable engine's StoreEffectCache (the store's cache table: shared by
// every worker on the store and kept across restarts; docs/extensions.md).
import type { CacheRequest } from '../core/commands.js';
import type { Json } from '../history/events.js';
import type { Store } from '../store/types.js';

/** Where results of the cache extension are kept. */
export interface ResultCache {
  /** A result kept under `key` that is still fresh at `now`; undefined on a miss. */
  get(key: string, now: number): Promise<Json | undefined>;
  /** Keeps a successful result for `ttlMs`. Best effort: a failure costs a later miss. */
  set(key: string, result: Json, now: number, ttlMs: number): void;
}

/**
 * The key of a cached result: what is called, and the task's evaluated `cache.key`, as
 * JSON text (PostgreSQL's text refuses the NUL a plain separator would need).
 */
export function cacheKey(scope: string, req: CacheRequest): string {
  return JSON.stringify([scope, req.key]);
}

export class EffectCache implements ResultCache {
  private readonly entries = new Map<string, { result: Json; expiresAt: number }>();

  constructor(private readonly maxEntries = 10_000) {}

  get(key: string, now: number): Promise<Json | undefined> {
    const e = this.entries.get(key);
    if (!e) return Promise.resolve(undefined);
    if (now >= e.expiresAt) {
      this.entries.delete(key);
      return Promise.resolve(undefined);
    }
    return Promise.resolve(e.result);
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

/**
 * The store's cache table. A result is written in a commit of its own, queued beside the
 * step that records it (the store's group commit usually carries both in one
 * transaction); a crash between the two leaves the entry, and the effect relaunched at
 * recovery finds it.
 */
export class StoreEffectCache implements ResultCache {
  constructor(private readonly store: Store) {}

  async get(key: string, now: number): Promise<Json | undefined> {
    return (await this.store.getCached(key, now))?.result;
  }

  set(key: string, result: Json, now: number, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.store
      .commit({ now, cache: [{ key, result, expiresAt: now + ttlMs }] })
      .catch(() => undefined); // over the payload limit, or the store is away: not kept
  }
}
