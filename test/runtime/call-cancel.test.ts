// CallCancel: the AbortController of a call is made only when its signal is read, and
// a signal read after the call was cancelled is already aborted.
import { describe, expect, it } from 'vitest';
import { CallCancel } from '../../src/runtime/calls.js';

describe('CallCancel', () => {
  it('aborts a signal read before the cancel', () => {
    const cancel = new CallCancel();
    const signal = cancel.signal;
    let fired = 0;
    signal.addEventListener('abort', () => fired++);
    expect(signal.aborted).toBe(false);
    cancel.abort();
    expect(cancel.aborted).toBe(true);
    expect(signal.aborted).toBe(true);
    expect(fired).toBe(1);
  });

  it('hands out an aborted signal when it is first read after the cancel', () => {
    const cancel = new CallCancel();
    expect(cancel.aborted).toBe(false);
    cancel.abort();
    expect(cancel.signal.aborted).toBe(true);
    expect(cancel.signal).toBe(cancel.signal);
  });
});
