// Execution ids are UUID version 7: time-ordered, so the store's B-trees append.
import { describe, expect, it } from 'vitest';
import { timeOrderedId } from '../../src/runtime/durable/ids.js';

const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedId', () => {
  it('is a UUID version 7 whose first 48 bits are the millisecond time', () => {
    const id = timeOrderedId(0x0192_3456_789a);
    expect(id).toMatch(v7);
    expect(id.slice(0, 13)).toBe('01923456-789a');
  });

  it('sorts ids of later milliseconds after earlier ones, and differs within one', () => {
    const a = timeOrderedId(1_700_000_000_000);
    const b = timeOrderedId(1_700_000_000_001);
    expect(a < b).toBe(true);
    expect(timeOrderedId(1_700_000_000_000)).not.toBe(a);
  });
});
