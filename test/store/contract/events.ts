import { describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../../src/history/events.js';
import { InvalidRequestError, LimitExceededError } from '../../../src/store/index.js';
import type { GetContext } from '../contract.js';
import { T0 } from '../fixtures.js';

const ev = (id: string, extra: Partial<CloudEvent> = {}): CloudEvent => ({
  specversion: '1.0',
  id,
  source: '/test',
  type: 'com.example.thing',
  data: { id },
  ...extra,
});

export function eventsContract(ctx: GetContext): void {
  describe('events log', () => {
    it('gives each event the next seq and reads them back in seq order, byte for byte', async () => {
      const { store } = ctx();
      expect(await store.lastEventSeq()).toBe(0);
      const first = await store.appendEvents([ev('a'), ev('b', { data: { z: 1, a: [2] } })], T0);
      const [second] = await store.appendEvents([ev('c')], T0 + 1);
      expect(first.map((e) => e.event.id)).toEqual(['a', 'b']);
      expect(first[1]!.seq).toBeGreaterThan(first[0]!.seq);
      expect(second!.seq).toBeGreaterThan(first[1]!.seq);
      expect(second!.storedAt).toBe(T0 + 1);
      const all = await store.readEvents();
      expect(all).toEqual([...first, second]);
      expect(JSON.stringify(all[1]!.event)).toBe(
        JSON.stringify(ev('b', { data: { z: 1, a: [2] } })),
      );
      expect(await store.lastEventSeq()).toBe(second!.seq);
    });

    it('stores the same source and id once and returns the first record for a duplicate', async () => {
      const { store } = ctx();
      const [a] = await store.appendEvents([ev('a', { data: 1 })], T0);
      const again = await store.appendEvents(
        [ev('a', { data: 2 }), ev('a', { source: '/other' }), ev('a', { data: 3 })],
        T0 + 5,
      );
      expect(again[0]).toEqual(a);
      expect(again[2]).toEqual(a);
      expect(again[1]!.event.source).toBe('/other');
      expect(again[1]!.seq).toBeGreaterThan(a!.seq);
      const all = await store.readEvents();
      expect(all.map((e) => [e.event.source, e.event.id, e.event.data])).toEqual([
        ['/test', 'a', 1],
        ['/other', 'a', { id: 'a' }],
      ]);
    });

    it('pages by seq and bounds by stored time', async () => {
      const { store } = ctx();
      for (let i = 0; i < 5; i++) await store.appendEvents([ev(`e${i}`)], T0 + i * 10);
      const page1 = await store.readEvents({ limit: 2 });
      const page2 = await store.readEvents({ after: page1[1]!.seq, limit: 2 });
      const page3 = await store.readEvents({ after: page2[1]!.seq, limit: 2 });
      expect([...page1, ...page2, ...page3].map((e) => e.event.id)).toEqual([
        'e0',
        'e1',
        'e2',
        'e3',
        'e4',
      ]);
      expect((await store.readEvents({ since: T0 + 20 })).map((e) => e.event.id)).toEqual([
        'e2',
        'e3',
        'e4',
      ]);
      expect(await store.readEvents({ after: page3[0]!.seq })).toEqual([]);
    });

    it('prunes events stored before a time, and never reuses their seq', async () => {
      const { store } = ctx();
      await store.appendEvents([ev('old1'), ev('old2')], T0);
      const [young] = await store.appendEvents([ev('young')], T0 + 100);
      expect(await store.pruneEvents(T0 + 100)).toBe(2);
      expect((await store.readEvents()).map((e) => e.event.id)).toEqual(['young']);
      expect(await store.pruneEvents(T0 + 101)).toBe(1);
      expect(await store.readEvents()).toEqual([]);
      // the newest row was deleted: the next event still gets a higher seq
      const [next] = await store.appendEvents([ev('next')], T0 + 200);
      expect(next!.seq).toBeGreaterThan(young!.seq);
      // a pruned source+id may be stored again (it is gone)
      const [back] = await store.appendEvents([ev('old1')], T0 + 300);
      expect(back!.storedAt).toBe(T0 + 300);
    });

    it('keeps the log across a reopen', async () => {
      const { store } = ctx();
      const stored = await store.appendEvents([ev('a'), ev('b')], T0);
      const reopened = await ctx().reopen();
      expect(await reopened.readEvents()).toEqual(stored);
      expect(await reopened.lastEventSeq()).toBe(stored[1]!.seq);
    });

    it('rejects an event without specversion, id, source or type, naming it, and stores none of the batch', async () => {
      const { store } = ctx();
      const bad = { specversion: '1.0', id: 'x1', source: '', data: 1 } as unknown as CloudEvent;
      const attempt = store.appendEvents([ev('fine'), bad], T0);
      await expect(attempt).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(attempt).rejects.toThrow(
        /event 1 \(id x1\): a CloudEvent needs non-empty string 'source', 'type'/,
      );
      await expect(store.appendEvents([null as unknown as CloudEvent], T0)).rejects.toThrow(
        /event 0: a CloudEvent must be a JSON object/,
      );
      await expect(store.appendEvents([ev('a')], 1.5)).rejects.toThrow(/now must be an integer/);
      expect(await store.readEvents()).toEqual([]);
    });

    it('rejects an event over the payload limit and bad read bounds', async () => {
      const store = await ctx().reopen({ limits: { maxPayloadBytes: 200 } });
      const big = store.appendEvents([ev('big', { data: 'x'.repeat(300) })], T0);
      await expect(big).rejects.toBeInstanceOf(LimitExceededError);
      await expect(big).rejects.toThrow(
        /event 0 \(id big\): \d+ exceeds the limit maxPayloadBytes = 200/,
      );
      await expect(store.readEvents({ limit: 0 })).rejects.toThrow(
        /limit must be an integer from 1 to 1000/,
      );
      await expect(store.readEvents({ after: -1 })).rejects.toThrow(
        /after must be a non-negative integer/,
      );
      await expect(store.pruneEvents(Number.NaN)).rejects.toThrow(/olderThan must be an integer/);
    });

    it('wakes onEvent subscribers after new events are stored, not for duplicates', async () => {
      const { store } = ctx();
      if (!store.onEvent) return;
      let woken = 0;
      let resolveWoken!: () => void;
      let next = new Promise<void>((r) => (resolveWoken = r));
      const off = store.onEvent(() => {
        woken += 1;
        resolveWoken();
      });
      try {
        // PostgreSQL: the LISTEN connection needs a moment; retry until one wake-up arrives
        for (let i = 0; woken === 0 && i < 50; i++) {
          await store.appendEvents([ev(`w${i}`)], T0);
          await Promise.race([next, new Promise((r) => setTimeout(r, 100))]);
        }
        expect(woken).toBeGreaterThan(0);
        const before = woken;
        next = new Promise<void>((r) => (resolveWoken = r));
        await store.appendEvents([ev('w0')], T0);
        await store.appendEvents([ev('fresh')], T0);
        await next;
        // the duplicate woke nobody: the next wake-up found 'fresh' stored
        const after = await store.readEvents({ after: 0, limit: 1000 });
        expect(after.at(-1)!.event.id).toBe('fresh');
        expect(woken).toBeGreaterThan(before);
      } finally {
        off();
      }
    });
  });
}
