import { describe, expect, it } from 'vitest';
import { HistoryCodecError, decodeEvent, encodeEvent } from '../../src/history/codec.js';
import type { HistoryEvent } from '../../src/history/events.js';

const started: HistoryEvent = {
  type: 'ExecutionStarted',
  v: 1,
  time: 1_700_000_000_000,
  workflow: { namespace: 'n', name: 'w', version: '1', hash: 'h' },
  input: { a: [1, 'two', null] },
  seed: 's',
};
const where = { executionId: 'e1', seq: 4 };

describe('history codec', () => {
  it('encodes type, version and time as columns and the event as JSON', () => {
    const encoded = encodeEvent(started);
    expect(encoded).toMatchObject({ type: 'ExecutionStarted', v: 1, time: 1_700_000_000_000 });
    expect(JSON.parse(encoded.body)).toEqual(started);
  });

  it('decodes what it encoded, keeping fields it does not know about', () => {
    const extended = { ...started, addedLater: { x: 1 } } as HistoryEvent;
    expect(decodeEvent(encodeEvent(extended))).toEqual(extended);
  });

  it('refuses to encode an event without a type or version', () => {
    expect(() => encodeEvent({ ...started, type: '' } as unknown as HistoryEvent)).toThrow(
      /without a string `type`/,
    );
    expect(() => encodeEvent({ ...started, v: 0 } as unknown as HistoryEvent)).toThrow(
      /ExecutionStarted: `v` must be a positive integer/,
    );
    expect(() => encodeEvent({ ...started, time: NaN })).toThrow(/`time` must be a finite number/);
  });

  it('names the execution and sequence number of a stored event that is not JSON', () => {
    const attempt = () => decodeEvent({ body: '{"type":' }, where);
    expect(attempt).toThrow(HistoryCodecError);
    expect(attempt).toThrow(/stored event is not JSON.*\(execution e1, event 4\)/);
  });

  it('rejects a stored event without a type or with a bad version', () => {
    expect(() => decodeEvent({ body: '[1]' }, where)).toThrow(/not a JSON object/);
    expect(() => decodeEvent({ body: '{"v":1}' }, where)).toThrow(/no string `type`/);
    expect(() => decodeEvent({ body: '{"type":"TimerFired","v":"1"}' }, where)).toThrow(
      /stored TimerFired has no valid `v`/,
    );
  });

  it('rejects an event written by a newer weft instead of guessing', () => {
    const body = JSON.stringify({ ...started, v: 7 });
    expect(() => decodeEvent({ body }, where)).toThrow(
      /ExecutionStarted is version 7, newer than this weft reads \(1\): upgrade weft/,
    );
  });
});

describe('history codec upcasting', () => {
  const tables = {
    current: { TimerFired: 3 },
    upcasters: {
      'TimerFired@1': (e: Record<string, unknown>) => ({ ...e, v: 2, late: false }),
      'TimerFired@2': (e: Record<string, unknown>) => ({ ...e, v: 3, lateness: e['late'] ? 1 : 0 }),
    },
  };

  it('upcasts an old event through every version to the current one', () => {
    const body = JSON.stringify({ type: 'TimerFired', v: 1, time: 5, effectId: 2 });
    expect(decodeEvent({ body }, where, tables)).toEqual({
      type: 'TimerFired',
      v: 3,
      time: 5,
      effectId: 2,
      late: false,
      lateness: 0,
    });
  });

  it('names the missing upcaster when the chain has a gap', () => {
    const gap = {
      current: { TimerFired: 3 },
      upcasters: { 'TimerFired@1': tables.upcasters['TimerFired@1'] },
    };
    const body = JSON.stringify({ type: 'TimerFired', v: 1, time: 5, effectId: 2 });
    expect(() => decodeEvent({ body }, where, gap)).toThrow(/no upcaster for TimerFired@2/);
  });

  it('stops an upcaster that does not raise the version instead of looping', () => {
    const stuck = {
      current: { TimerFired: 2 },
      upcasters: { 'TimerFired@1': (e: Record<string, unknown>) => e },
    };
    const body = JSON.stringify({ type: 'TimerFired', v: 1, time: 5, effectId: 2 });
    expect(() => decodeEvent({ body }, where, stuck)).toThrow(
      /upcaster TimerFired@1 did not raise/,
    );
  });
});
