// What a fiber may yield to the scheduler (scheduler.ts), and the helpers task code
// uses so that it reads `const result = yield* effect(...)`.

import type { Command } from './commands.js';
import type { CloudEvent, Json } from '../history/events.js';

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export type Instr =
  /** Schedule an effect. wait: suspend until its outcome (else resume at once with its id). */
  | { op: 'effect'; command: (effectId: number) => Command; wait: boolean }
  /** The next event delivered to a listen effect (suspends while there is none). */
  | { op: 'next'; effectId: number }
  /** CancelEffect for an effect this fiber scheduled; resumes at once. */
  | { op: 'cancel'; effectId: number }
  /** Enter (on) or leave (off) a finally block. A fiber inside one is not interrupted by
   *  cancellation: the cancel is held until it leaves, then thrown there. */
  | { op: 'shield'; on: boolean }
  /** Start children (spawn() returns the next, or undefined when there are no more) with at
   *  most `limit` running; decided when `need` succeeded or more than `tolerate` failed;
   *  the rest are then cancelled. Resumes with the outcomes, in spawn order. `stop`, when
   *  given, also decides the join as soon as a child's value satisfies it (`then: end` in a
   *  fork branch or a parallel iteration ends the workflow without waiting for the rest). */
  | {
      op: 'join';
      spawn: () => Co<unknown> | undefined;
      need: number;
      tolerate: number;
      limit: number;
      stop?: ((value: unknown) => boolean) | undefined;
    };

export type Co<T> = Generator<Instr, T, unknown>;

// Small helpers so task code reads `const result = yield* effect(...)`.

export function* effect(command: (effectId: number) => Command): Co<Json> {
  return (yield { op: 'effect', command, wait: true }) as Json;
}

export function* fire(command: (effectId: number) => Command): Co<number> {
  return (yield { op: 'effect', command, wait: false }) as number;
}

export function* nextEvent(effectId: number): Co<CloudEvent> {
  return (yield { op: 'next', effectId }) as CloudEvent;
}

export function* cancelEffect(effectId: number): Co<void> {
  yield { op: 'cancel', effectId };
}

export function* join(
  spawn: () => Co<unknown> | undefined,
  need: number,
  tolerate: number,
  limit = Infinity,
  stop?: (value: unknown) => boolean,
): Co<(Outcome | undefined)[]> {
  return (yield { op: 'join', spawn, need, tolerate, limit, stop }) as (Outcome | undefined)[];
}

/** Runs `body` (a finally block) to its end even when the fiber is cancelled meanwhile;
 *  a cancellation that arrived is thrown afterwards (it wins over the body's own error). */
export function* shielded<T>(body: () => Co<T>): Co<T> {
  yield { op: 'shield', on: true };
  let result: T;
  try {
    result = yield* body();
  } finally {
    yield { op: 'shield', on: false };
  }
  return result;
}

/** Spawn function over a fixed list of children. */
export function each(children: (() => Co<unknown>)[]): () => Co<unknown> | undefined {
  let i = 0;
  return () => children[i++]?.();
}
