// The fiber scheduler: the heart of the interpreter's control flow.
//
// Decision: every running piece of a workflow is a *fiber*, a JS generator that yields
// instructions (Instr) to this scheduler: schedule an effect and suspend until its
// outcome event arrives, take the next event of a listen, cancel an effect, or join
// child fibers (all / race / quorum / bounded pool). Task semantics are then plain
// recursive generator code (`yield* runTaskList(...)`), and try/catch/finally, loops,
// timeouts and cancellation read like the spec. No promises: microtasks cannot be
// drained synchronously, and apply() must return every command it caused, in order.
//
// Determinism: fibers run one at a time, children in spawn order, each until it
// suspends; effect ids are handed out in that order, so the same history gives the
// same ids. Joins are structured: a join resolves only when every child it started has
// finished, so a cancelled child's finally blocks (which may schedule effects of their
// own) complete before the parent moves on.
//
// Cancellation: cancelling a fiber cancels what it waits on (CancelEffect for an effect
// or listen, recursively for a join) and throws a CancelSignal into it; DSL `catch`
// never catches it, `finally` blocks run.
//
// Decision: a fiber that is running a finally block is shielded: cancelling it only
// marks it cancelled; its cleanup effects are not cancelled and the block runs to its
// end, then the CancelSignal is thrown where the block ends. Without the shield, a cancel
// (or a timeout) arriving during cleanup cancelled the cleanup call and skipped the rest
// of the block. The cost: a finally block that waits long (a listen) delays the cancel,
// the enclosing timeout and the workflow timeout until it ends.

import type { Command } from './commands.js';
import type { CloudEvent } from '../history/events.js';
import { CancelSignal } from './problems.js';
import type { Co, Instr, Outcome } from './instructions.js';

export type { Co, Instr, Outcome };

type Waiting =
  | { kind: 'effect'; effectId: number }
  | { kind: 'next'; effectId: number }
  | { kind: 'join'; join: Join };

class Fiber {
  waiting: Waiting | undefined;
  done = false;
  cancelled = false;
  /** Depth of finally blocks the fiber is in (see `shielded` in instructions.ts). */
  shield = 0;
  constructor(
    readonly gen: Co<unknown>,
    readonly onDone: (outcome: Outcome) => void,
  ) {}
}

interface Join {
  parent: Fiber;
  spawn: () => Co<unknown> | undefined;
  need: number;
  tolerate: number;
  limit: number;
  stop: ((value: unknown) => boolean) | undefined;
  outcomes: (Outcome | undefined)[];
  running: Set<Fiber>;
  successes: number;
  failures: number;
  decided: boolean;
  exhausted: boolean;
  filling: boolean;
  /** True while the parent is still inside handle() starting the children. */
  starting: boolean;
  resolved: boolean;
}

const SUSPEND = Symbol('suspend');
type Next = { value: unknown } | { error: unknown };

export interface EffectInfo {
  taskId: string;
  kind: 'call' | 'emit' | 'timer' | 'listen' | 'child';
}

export class Scheduler {
  readonly commands: Command[] = [];
  /** Every effect scheduled so far (for the determinism check on replay). */
  readonly scheduled = new Map<number, EffectInfo>();
  private nextEffectId = 0;
  private readonly pending = new Map<number, Fiber>();
  private readonly listens = new Map<number, { queue: CloudEvent[]; waiter?: Fiber }>();

  constructor(
    private readonly maxEffects: () => number,
    private readonly onTooManyEffects: () => unknown,
  ) {}

  get effectCount(): number {
    return this.nextEffectId;
  }

  start(gen: Co<unknown>, onDone: (outcome: Outcome) => void): Fiber {
    const fiber = new Fiber(gen, onDone);
    this.resume(fiber, { value: undefined });
    return fiber;
  }

  /** An effect's outcome arrived; ignored when nobody waits for it (cancelled, duplicate). */
  deliver(effectId: number, next: Next): void {
    const fiber = this.pending.get(effectId);
    if (!fiber) return;
    this.pending.delete(effectId);
    fiber.waiting = undefined;
    this.resume(fiber, next);
  }

  /** An event for a listen; queued until the listening fiber asks for it. */
  event(effectId: number, event: CloudEvent): void {
    const listen = this.listens.get(effectId);
    if (!listen) return;
    const waiter = listen.waiter;
    if (waiter) {
      listen.waiter = undefined;
      waiter.waiting = undefined;
      this.resume(waiter, { value: event });
    } else {
      listen.queue.push(event);
    }
  }

  cancel(fiber: Fiber): void {
    if (fiber.done || fiber.cancelled) return;
    fiber.cancelled = true;
    const w = fiber.waiting;
    if (!w || fiber.shield > 0) return;
    if (w.kind === 'join') {
      this.decide(w.join);
      this.settle(w.join);
      return;
    }
    fiber.waiting = undefined;
    if (w.kind === 'effect') this.pending.delete(w.effectId);
    else this.listens.delete(w.effectId);
    this.commands.push({ type: 'CancelEffect', effectId: w.effectId });
    this.resume(fiber, { error: new CancelSignal() });
  }

  private resume(fiber: Fiber, first: Next): void {
    let next: Next = first;
    for (;;) {
      let r: IteratorResult<Instr, unknown>;
      try {
        r = 'error' in next ? fiber.gen.throw(next.error) : fiber.gen.next(next.value);
      } catch (error) {
        this.finish(fiber, { ok: false, error });
        return;
      }
      if (r.done) {
        this.finish(fiber, { ok: true, value: r.value });
        return;
      }
      const result = this.handle(fiber, r.value);
      if (result === SUSPEND) return;
      next = result;
    }
  }

  private finish(fiber: Fiber, outcome: Outcome): void {
    fiber.done = true;
    fiber.onDone(outcome);
  }

  private handle(fiber: Fiber, instr: Instr): Next | typeof SUSPEND {
    switch (instr.op) {
      case 'effect': {
        if (this.nextEffectId >= this.maxEffects()) return { error: this.onTooManyEffects() };
        const effectId = this.nextEffectId++;
        const command = instr.command(effectId);
        this.commands.push(command);
        this.scheduled.set(effectId, effectInfo(command));
        if (command.type === 'ScheduleListen') this.listens.set(effectId, { queue: [] });
        if (!instr.wait) return { value: effectId };
        this.pending.set(effectId, fiber);
        fiber.waiting = { kind: 'effect', effectId };
        return SUSPEND;
      }
      case 'next': {
        const listen = this.listens.get(instr.effectId);
        if (!listen) return { error: new Error(`effect ${instr.effectId} is not a live listen`) };
        const event = listen.queue.shift();
        if (event) return { value: event };
        listen.waiter = fiber;
        fiber.waiting = { kind: 'next', effectId: instr.effectId };
        return SUSPEND;
      }
      case 'cancel': {
        const live = this.pending.delete(instr.effectId) || this.listens.delete(instr.effectId);
        if (live) this.commands.push({ type: 'CancelEffect', effectId: instr.effectId });
        return { value: live };
      }
      case 'shield': {
        fiber.shield += instr.on ? 1 : -1;
        return this.interrupted(fiber) ? { error: new CancelSignal() } : { value: undefined };
      }
      case 'join': {
        const join: Join = {
          parent: fiber,
          spawn: instr.spawn,
          need: instr.need,
          tolerate: instr.tolerate,
          limit: Math.max(1, instr.limit),
          stop: instr.stop,
          outcomes: [],
          running: new Set(),
          successes: 0,
          failures: 0,
          decided: false,
          exhausted: false,
          filling: false,
          starting: true,
          resolved: false,
        };
        fiber.waiting = { kind: 'join', join };
        this.fill(join);
        this.settle(join);
        join.starting = false;
        if (!join.resolved) return SUSPEND;
        fiber.waiting = undefined;
        return this.interrupted(fiber) ? { error: new CancelSignal() } : { value: join.outcomes };
      }
    }
  }

  private fill(join: Join): void {
    if (join.filling) return;
    join.filling = true;
    while (!join.decided && !join.exhausted && join.running.size < join.limit) {
      let gen: Co<unknown> | undefined;
      try {
        gen = join.spawn();
      } catch (error) {
        // Deciding whether to spawn failed (a `while` expression...): a failed child.
        join.outcomes.push({ ok: false, error });
        join.failures++;
        join.exhausted = true;
        if (join.failures > join.tolerate) this.decide(join);
        break;
      }
      if (!gen) {
        join.exhausted = true;
        break;
      }
      const index = join.outcomes.length;
      join.outcomes.push(undefined);
      const child: Fiber = new Fiber(gen, (outcome) => this.childDone(join, child, index, outcome));
      join.running.add(child);
      this.resume(child, { value: undefined });
    }
    join.filling = false;
  }

  private childDone(join: Join, child: Fiber, index: number, outcome: Outcome): void {
    join.running.delete(child);
    if (!join.decided) {
      join.outcomes[index] = outcome;
      if (outcome.ok) join.successes++;
      else join.failures++;
      const stopped = outcome.ok && join.stop !== undefined && join.stop(outcome.value);
      if (stopped || join.successes >= join.need || join.failures > join.tolerate) {
        this.decide(join);
      }
    }
    this.fill(join);
    this.settle(join);
  }

  private decide(join: Join): void {
    if (join.decided) return;
    join.decided = true;
    for (const child of [...join.running]) this.cancel(child);
  }

  private settle(join: Join): void {
    if (join.resolved || join.filling || join.running.size > 0) return;
    if (!join.decided && !join.exhausted) return;
    join.resolved = true;
    if (join.starting) return;
    const parent = join.parent;
    parent.waiting = undefined;
    this.resume(
      parent,
      this.interrupted(parent) ? { error: new CancelSignal() } : { value: join.outcomes },
    );
  }

  /** A cancelled fiber resumes with a CancelSignal, except inside a finally block. */
  private interrupted(fiber: Fiber): boolean {
    return fiber.cancelled && fiber.shield === 0;
  }
}

function effectInfo(command: Command): EffectInfo {
  switch (command.type) {
    case 'ScheduleCall':
      return { taskId: command.taskId, kind: 'call' };
    case 'ScheduleEmit':
      return { taskId: command.taskId, kind: 'emit' };
    case 'ScheduleTimer':
      return { taskId: command.taskId, kind: 'timer' };
    case 'ScheduleListen':
      return { taskId: command.taskId, kind: 'listen' };
    case 'ScheduleChild':
      return { taskId: command.taskId, kind: 'child' };
    default:
      throw new Error(`${command.type} is not an effect`);
  }
}
