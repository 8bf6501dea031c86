// The history feed's NOTIFY payloads (src/store/postgres/history-feed.ts): under
// PostgreSQL's 8,000-byte limit however many changes a group commit carries, read back
// exactly, and a foreign payload is not mistaken for one.
import { describe, expect, it } from 'vitest';
import { historyPayloads, parseHistoryPayload } from '../../src/store/postgres/history-feed.js';
import type { HistoryChange } from '../../src/store/index.js';

const change = (i: number, id = `0190a1b2-c3d4-7e5f-8a9b-${String(i).padStart(12, '0')}`) => ({
  executionId: id,
  firstSeq: 2 * i + 1,
  lastSeq: 2 * i + 2,
});

describe('history feed payloads', () => {
  it('splits a large group under the limit and reads it back whole, in order', () => {
    const changes: HistoryChange[] = Array.from({ length: 1000 }, (_, i) => change(i));
    const payloads = historyPayloads(changes);
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    expect(payloads.flatMap((p) => parseHistoryPayload(p)!)).toEqual(changes);
  });

  it('counts bytes, not characters, and escapes what ids may hold', () => {
    const odd = [change(1, 'résumé-"quoted"-ünïcode'), change(2, 'a,b:c;d')];
    const [p] = historyPayloads(odd);
    expect(parseHistoryPayload(p!)).toEqual(odd);
    const many = Array.from({ length: 400 }, (_, i) => change(i, `é${'ü'.repeat(40)}${i}`));
    for (const q of historyPayloads(many)) expect(Buffer.byteLength(q)).toBeLessThan(8000);
  });

  it('leaves out an id too long for any payload, and sends nothing for no change', () => {
    const huge = change(1, 'x'.repeat(9000));
    expect(
      historyPayloads([change(0), huge, change(2)]).flatMap((p) => parseHistoryPayload(p)!),
    ).toEqual([change(0), change(2)]);
    expect(historyPayloads([])).toEqual([]);
  });

  it('refuses payloads that are not a list of [id, first, last]', () => {
    for (const p of [
      '42',
      'events',
      '{"a":1}',
      '[["a",1]]',
      '[["a","1",2]]',
      '[[1,1,2]]',
      '[["a",1.5,2]]',
    ])
      expect(parseHistoryPayload(p)).toBeUndefined();
    expect(parseHistoryPayload('[]')).toEqual([]);
  });
});
