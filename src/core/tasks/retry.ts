// Retry delays (DESIGN.md "Where the specification is silent"): from `delay` d, the
// n-th retry waits constant d, linear n*d, exponential d*2^(n-1); jitter adds a
// uniform amount in [from, to] drawn from the execution's seeded PRNG, so replay
// computes the same delays.

import type { Json } from '../../history/events.js';
import type { RetryIR } from '../../dsl/ir.js';
import { resolveMs } from '../env.js';
import type { Frame } from '../evaluate.js';
import type { Rt, Scope } from '../state.js';

export function backoff(kind: RetryIR['backoff'], d: number, n: number): number {
  switch (kind) {
    case 'constant':
      return d;
    case 'linear':
      return n * d;
    case 'exponential':
      return d * 2 ** (n - 1);
  }
}

/** Delay before the n-th retry (n = 1 after the first attempt failed). */
export function retryDelay(
  rt: Rt,
  retry: RetryIR,
  n: number,
  input: Json,
  scope: Scope,
  frame: Frame,
): number {
  const d = resolveMs(rt, retry.delay, input, scope, frame);
  let ms = backoff(retry.backoff, d, n);
  if (retry.jitter) {
    const from = resolveMs(rt, retry.jitter.from, input, scope, frame);
    const to = resolveMs(rt, retry.jitter.to, input, scope, frame);
    ms += Math.round(from + rt.random() * Math.max(0, to - from));
  }
  return ms;
}
