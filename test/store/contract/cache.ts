import { describe, expect, it } from 'vitest';
import { InvalidRequestError, LimitExceededError } from '../../../src/store/index.js';
import type { GetContext } from '../contract.js';
import { T0, seed, taskCompleted } from '../fixtures.js';

export function cacheContract(ctx: GetContext): void {
  describe('effect cache', () => {
    it('keeps a result written with the step and serves it until it goes stale', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      await store.commit({
        now: T0,
        writes: [{ executionId: 'e1', expectedNextSeq: 2, events: [taskCompleted(0, 'rate')] }],
        cache: [{ key: 'fx:EUR', result: { rate: 1.1 }, expiresAt: T0 + 60_000 }],
      });
      expect(await store.getCached('fx:EUR', T0 + 59_999)).toEqual({
        key: 'fx:EUR',
        result: { rate: 1.1 },
        expiresAt: T0 + 60_000,
      });
      expect(await store.getCached('fx:EUR', T0 + 60_000)).toBeUndefined();
      expect(await store.getCached('fx:USD', T0)).toBeUndefined();
    });

    it('replaces an entry with the same key and prunes stale entries', async () => {
      const { store } = ctx();
      await store.commit({ now: T0, cache: [{ key: 'a', result: 1, expiresAt: T0 + 10 }] });
      await store.commit({ now: T0, cache: [{ key: 'a', result: 2, expiresAt: T0 + 20 }] });
      await store.commit({ now: T0, cache: [{ key: 'b', result: 3, expiresAt: T0 + 5 }] });
      expect((await store.getCached('a', T0 + 15))?.result).toBe(2);
      expect(await store.pruneCache(T0 + 10)).toBe(1);
      expect(await store.getCached('a', T0)).toBeDefined();
    });

    it('writes no cache entry when the rest of the commit fails', async () => {
      const { store } = ctx();
      await seed(store, ['e1']);
      const attempt = store.commit({
        now: T0,
        writes: [{ executionId: 'e1', expectedNextSeq: 9, events: [taskCompleted(0)] }],
        cache: [{ key: 'k', result: 1, expiresAt: T0 + 10 }],
      });
      await expect(attempt).rejects.toThrow(/expected next sequence number 9/);
      expect(await store.getCached('k', T0)).toBeUndefined();
    });

    it('rejects a cache entry without a key, with a NUL in it, or over the payload limit', async () => {
      const store = await ctx().reopen({ limits: { maxPayloadBytes: 100 } });
      await expect(
        store.commit({ now: T0, cache: [{ key: '', result: 1, expiresAt: T0 }] }),
      ).rejects.toBeInstanceOf(InvalidRequestError);
      // a NUL (PostgreSQL's text cannot hold one): refused by name on every store
      const nul = store.commit({ now: T0, cache: [{ key: 'a\u0000b', result: 1, expiresAt: T0 }] });
      await expect(nul).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(nul).rejects.toThrow(/cache entry "a\\u0000b": a key cannot contain the NUL/);
      const big = store.commit({
        now: T0,
        cache: [{ key: 'k', result: 'x'.repeat(200), expiresAt: T0 }],
      });
      await expect(big).rejects.toBeInstanceOf(LimitExceededError);
      await expect(big).rejects.toThrow(
        /cache entry k: 202 exceeds the limit maxPayloadBytes = 100/,
      );
    });
  });
}
