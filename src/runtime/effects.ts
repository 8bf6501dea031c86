// Launching effects: each Schedule* command, once its ...Started event is recorded,
// starts here and reports its outcome event through `host.deliver`. Each launcher
// registers how to cancel it (abort a request, clear a timer, unsubscribe a listen,
// cancel a child) in `host.inflight`.
import type {
  ScheduleCall,
  ScheduleChild,
  ScheduleEmit,
  ScheduleListen,
  ScheduleTimer,
} from '../core/commands.js';
import type { CloudEvent, HistoryEvent, Json, WorkflowRef } from '../history/events.js';
import type { EventBus } from './bus.js';
import { CallCancel, type CallEnvironment, performCall } from './calls.js';
import { type ResultCache, cacheKey } from './cache.js';
import type { Clock } from './clock.js';
import { type JqCompiler, compileFilter, strategyFilters } from './filters.js';
import { type LookbackHost, type StoredEventSource, eventKey, lookBack } from './lookback.js';
import { problem, toProblem } from './problems.js';
import type { Outcome, ScheduleCommand } from './started.js';
import { taskIdempotencyHeader } from './task-options.js';

export interface ChildRun {
  outcome: Promise<Outcome>;
  cancel(reason: string): void;
}

export interface EffectDeps {
  clock: Clock;
  cache: ResultCache;
  bus: EventBus;
  /** The events log a listen looks back on (durable engine); without it, the bus only. */
  events?: StoredEventSource;
  jq: JqCompiler;
  calls: Omit<CallEnvironment, 'executionId'>;
  startChild(
    parent: { executionId: string; effectId: number },
    workflow: WorkflowRef,
    input: Json,
    childExecutionId: string,
  ): ChildRun;
  /**
   * Ends a child execution a cached result made unneeded, where children exist before
   * their launch (the durable engine creates them in the parent's commit).
   */
  dropChild?(childId: string, reason: string): void;
  /** Counts calls in flight (the durable engine's drain waits for them to settle). */
  calling?: { begin(): void; end(): void };
}

export interface EffectHost extends Omit<LookbackHost, 'active'> {
  readonly executionId: string;
  /** The workflow document (per-task options live in task metadata). */
  readonly definition: Json;
  readonly deps: EffectDeps;
  readonly inflight: Map<number, () => void>;
  isCancelled(effectId: number): boolean;
  /** The runner stopped without ending the execution (ExecutionRunner.detached). */
  readonly detached: boolean;
  /** Reports an outcome; `keepInFlight` for a listen, which may receive more events. */
  deliver(effectId: number, event: HistoryEvent, keepInFlight?: boolean): void;
}

export function launch(host: EffectHost, c: ScheduleCommand, childExecutionId: string): void {
  switch (c.type) {
    case 'ScheduleCall':
      return launchCall(host, c);
    case 'ScheduleEmit':
      return launchEmit(host, c);
    case 'ScheduleTimer':
      return launchTimer(host, c);
    case 'ScheduleListen':
      return launchListen(host, c);
    case 'ScheduleChild':
      return launchChild(host, c, childExecutionId);
  }
}

function now(host: EffectHost): number {
  return host.deps.clock.now();
}

function launchCall(host: EffectHost, c: ScheduleCall): void {
  const key = c.cache ? cacheKey(`call:${c.call}`, c.cache) : undefined;
  if (key === undefined) return performLaunched(host, c, undefined);
  fromCache(
    host,
    c.effectId,
    key,
    (result) => ({ type: 'TaskCompleted', result }),
    () => performLaunched(host, c, key),
  );
}

function performLaunched(host: EffectHost, c: ScheduleCall, key: string | undefined): void {
  const effectId = c.effectId;
  const controller = new CallCancel();
  host.inflight.set(c.effectId, () => controller.abort());
  // counted until its outcome is delivered (the step that records it is then queued)
  const calling = host.deps.calling;
  calling?.begin();
  performCall(c, callEnvironment(host, c.taskId), controller).then(
    (result) => {
      if (key !== undefined) host.deps.cache.set(key, result, now(host), c.cache!.ttlMs);
      host.deliver(effectId, { v: 1, type: 'TaskCompleted', time: now(host), effectId, result });
      calling?.end();
    },
    (e: unknown) => {
      if (!controller.aborted) {
        const error = { ...toProblem(e) };
        error.instance ??= c.taskId;
        host.deliver(effectId, { v: 1, type: 'TaskFaulted', time: now(host), effectId, error });
      }
      calling?.end();
    },
  );
}

// The idempotency header of each task, read once per (document, task) instead of walking
// the document's JSON pointer (split, unescape) at every call.
const taskHeaders = new WeakMap<object, Map<string, string | undefined>>();

function callEnvironment(host: EffectHost, taskId: string): CallEnvironment {
  const definition = host.definition;
  let header: string | undefined;
  if (definition !== null && typeof definition === 'object') {
    let headers = taskHeaders.get(definition);
    if (!headers) taskHeaders.set(definition, (headers = new Map()));
    header = headers.get(taskId);
    if (header === undefined && !headers.has(taskId)) {
      header = taskIdempotencyHeader(definition, taskId);
      headers.set(taskId, header);
    }
  }
  header ??= host.deps.calls.idempotencyHeader;
  return {
    ...host.deps.calls,
    executionId: host.executionId,
    ...(header ? { idempotencyHeader: header } : {}),
  };
}

/**
 * Asks the cache for `key`: a fresh result is delivered instead of performing the effect,
 * a miss (or a cache that cannot answer) performs it. While the cache is asked the effect
 * is in flight: a cancellation, or the runner's detach, stops it there.
 */
function fromCache(
  host: EffectHost,
  effectId: number,
  key: string,
  outcome: (
    cached: Json,
  ) => { type: 'TaskCompleted'; result: Json } | { type: 'ChildCompleted'; output: Json },
  perform: () => void,
  /** The effect was cancelled, or its execution ended, while the cache was asked. */
  onStop?: () => void,
): void {
  let stopped = false;
  host.inflight.set(effectId, () => {
    stopped = true;
    // cancelled, or the execution ended; not a detach: then the effect is launched again
    // from the history, and whatever it created must still be there
    if (!host.detached) onStop?.();
  });
  const go = (cached: Json | undefined) => {
    if (stopped || host.isCancelled(effectId)) return;
    if (cached === undefined) return perform();
    host.deliver(effectId, { v: 1, time: now(host), effectId, ...outcome(cached) });
  };
  host.deps.cache.get(key, now(host)).then(go, () => go(undefined));
}

function launchEmit(host: EffectHost, c: ScheduleEmit): void {
  const effectId = c.effectId;
  host.inflight.set(effectId, () => undefined);
  const done = () =>
    host.deliver(effectId, {
      v: 1,
      type: 'TaskCompleted',
      time: now(host),
      effectId,
      result: c.event as Json,
    });
  // after the step's listens subscribed: a fork's listen branch sees its emit branch
  queueMicrotask(() => {
    if (host.isCancelled(effectId)) return;
    const log = host.deps.events;
    if (!log) {
      host.deps.bus.publish(c.event);
      return done();
    }
    // durable engine: stored like a published event (listens of every process, and those
    // reached later, find it); emitted again after a crash, its (source, id) dedupes it
    log.publish([c.event]).then(done, (e: unknown) => {
      const error = { ...toProblem(e), instance: c.taskId };
      host.deliver(effectId, { v: 1, type: 'TaskFaulted', time: now(host), effectId, error });
    });
  });
}

function launchTimer(host: EffectHost, c: ScheduleTimer): void {
  const effectId = c.effectId;
  // Never early: a setTimeout may wake a millisecond before its time, so check and re-arm.
  // After a restart an overdue timer is armed with 0 ms and fires at once.
  const arm = (): void => {
    const cancel = host.deps.clock.schedule(c.fireAt - now(host), () => {
      const time = now(host);
      if (time < c.fireAt) return arm();
      host.deliver(effectId, { v: 1, type: 'TimerFired', time, effectId });
    });
    host.inflight.set(effectId, cancel);
  };
  arm();
}

function launchListen(host: EffectHost, c: ScheduleListen): void {
  const effectId = c.effectId;
  let filters;
  try {
    const seen = new Map<string, Json>();
    filters = strategyFilters(c.strategy).map((f) => compileFilter(f, host.deps.jq, seen));
  } catch (e) {
    const error = problem('configuration', 'Invalid event filter', (e as Error).message);
    host.deliver(effectId, { v: 1, type: 'TaskFaulted', time: now(host), effectId, error });
    return;
  }
  // the same event (source, id) reaches a listen once, from the log or from the bus
  const offered = new Set<string>();
  const offer = (event: CloudEvent): boolean => {
    const key = eventKey(event);
    if (offered.has(key) || !filters.some((f) => f.matches(event))) return false;
    offered.add(key);
    host.deliver(effectId, { v: 1, type: 'EventReceived', time: now(host), effectId, event }, true);
    return true;
  };
  const source = host.deps.events;
  if (!source) {
    host.inflight.set(effectId, host.deps.bus.subscribe(offer));
    return;
  }
  // hold what the bus brings while looking back, then offer it after the stored events
  let held: CloudEvent[] | undefined = [];
  const unsubscribe = host.deps.bus.subscribe((event) => {
    if (held) held.push(event);
    else offer(event);
  });
  host.inflight.set(effectId, unsubscribe);
  const active = () => host.inflight.has(effectId) && !host.isCancelled(effectId);
  const drainHeld = async () => {
    while (held && held.length > 0 && active()) if (offer(held.shift()!)) await host.idle?.();
    held = undefined;
  };
  // a failed read (store closed, connection lost past its retries) loses only the look
  // back: the listen still receives what arrives from now on
  void lookBack(source, { ...lookbackView(host), active }, offer)
    .catch(() => undefined)
    .then(drainHeld);
}

function lookbackView(host: EffectHost): Omit<LookbackHost, 'active'> {
  return {
    ...(host.startedAt !== undefined ? { startedAt: host.startedAt } : {}),
    hasReceived: (e) => host.hasReceived?.(e) ?? false,
    idle: () => host.idle?.() ?? Promise.resolve(),
  };
}

function launchChild(host: EffectHost, c: ScheduleChild, childId: string): void {
  const w = c.workflow;
  const key =
    c.cache && c.await ? cacheKey(`run:${w.namespace}/${w.name}@${w.version}`, c.cache) : undefined;
  if (key === undefined) return startLaunched(host, c, childId, undefined);
  fromCache(
    host,
    c.effectId,
    key,
    (output) => {
      host.deps.dropChild?.(childId, 'its result came from the cache');
      return { type: 'ChildCompleted', output };
    },
    () => startLaunched(host, c, childId, key),
    // cancelled while the cache was asked: the child created for it goes too
    () => host.deps.dropChild?.(childId, 'the parent cancelled it'),
  );
}

function startLaunched(
  host: EffectHost,
  c: ScheduleChild,
  childId: string,
  key: string | undefined,
): void {
  const effectId = c.effectId;
  let run: ChildRun;
  try {
    run = host.deps.startChild(
      { executionId: host.executionId, effectId },
      c.workflow,
      c.input,
      childId,
    );
  } catch (e) {
    const error = toProblem(e, 'configuration');
    if (c.await)
      host.deliver(effectId, { v: 1, type: 'ChildFaulted', time: now(host), effectId, error });
    return;
  }
  if (!c.await) return; // the child runs on; its outcome is not the parent's business
  // a detach (shutdown, or another worker took the parent over) leaves the child running:
  // it is an execution of its own, and the parent's next runner waits for it again
  host.inflight.set(effectId, () => {
    if (!host.detached) run.cancel('the parent cancelled it');
  });
  void run.outcome.then((o) => {
    const time = now(host);
    if (o.status === 'completed') {
      if (key !== undefined) host.deps.cache.set(key, o.output, time, c.cache!.ttlMs);
      host.deliver(effectId, { v: 1, type: 'ChildCompleted', time, effectId, output: o.output });
      return;
    }
    const error =
      o.status === 'faulted'
        ? o.error
        : problem(
            'runtime',
            'Child execution cancelled',
            o.reason ?? `execution ${childId} was cancelled`,
          );
    host.deliver(effectId, { v: 1, type: 'ChildFaulted', time, effectId, error });
  });
}
