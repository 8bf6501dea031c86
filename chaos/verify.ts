// Checks a finished chaos run against its ledger and the histories in the store:
// - every execution completed with the right output;
// - every execution made exactly one child execution (the second call), which completed,
//   and the parent recorded the child's start once and its result once;
// - the executions whose first call the ledger fails once (workflow.ts failsFirst)
//   recorded that fault once and retried, the others never faulted;
// - each execution's event (emitted, then heard by its own listen) is stored once, though
//   an emit in flight at a kill emits it again;
// - an execution the harness asked to cancel (`cancelled`) ended cancelled, or completed
//   right when it finished first; a cancelled one's child is not left running, and it
//   made no more than one child and stored its event no more than once;
// - no effect ran again after its result was recorded (a ledger call for a key that
//   arrived after that effect's TaskCompleted time); repeats happen only for effects in
//   flight at a kill;
// - every repeated call carried the same idempotency key (one key per (i, step, attempt));
// - no timer fired early (TimerFired.time < fireAt) or twice.
import type { HistoryEvent } from '../src/history/events.js';
import type { Store } from '../src/store/types.js';
import type { LedgerCall } from './ledger.js';
import { expectedOutput, failsFirst, pingType } from './workflow.js';

export interface ChaosCounts {
  executions: number;
  completedRight: number;
  wrongOrUnfinished: number;
  /** Parked executions (dead-letter after too many recoveries without progress). */
  parked: number;
  /** Executions cancelled as the harness asked (chaos/requests.ts cancelEvery). */
  cancelled: number;
  /** Why the first few were parked (reason: detail), for the log. */
  parkedWhy?: string[];
  /** Child executions (workflow.ts: one per execution makes the second call). */
  children: number;
  /** Children that did not complete, and executions with no child or more than one. */
  childrenWrong: number;
  /** Executions that retried their first call (one TaskFaulted each). */
  retried: number;
  /** Executions with another number of faulted calls than workflow.ts's failsFirst says. */
  retriesWrong: number;
  /** Events of workflow.ts's pingType in the store's events log: one per execution. */
  pings: number;
  /** Executions whose event is stored other than once. */
  pingsWrong: number;
  ledgerCalls: number;
  effects: number;
  repeatedEffects: number;
  /** Most ledger calls of one effect: at most 1 + kills (one re-run per restart). */
  maxCallsPerEffect: number;
  reRunAfterRecorded: number;
  /** Calls after the result was recorded that `delayed` excused (see DelayedCall). */
  delayedAfterRecorded: number;
  /** The first few of those calls, for the log: key, call time, the result's record time. */
  reRuns?: { key: string; at: number; recordedAt: number; by: string }[];
  callsWithoutRecordedStart: number;
  keysPerEffectMismatch: number;
  missingKeys: number;
  timers: number;
  timersEarly: number;
  timersTwice: number;
  /** Effects with two TaskStarted (or ChildStarted), or two outcomes (TaskCompleted,
   *  TaskFaulted, ChildCompleted, ChildFaulted), or two TimerStarted events: two writers
   *  appended to one history, or a child's result delivered twice. Must be 0. */
  startedTwice: number;
  completedTwice: number;
  /** Executions whose history shows a re-run or a second writer (for the log). */
  suspects?: string[];
}

/**
 * A call after its effect's result was recorded that is not a re-run: e.g. a stale
 * holder's late call (chaos/multi-run.ts decides). `startedAt` is the time of the
 * effect's first TaskStarted.
 */
export type DelayedCall = (call: LedgerCall, startedAt: number) => boolean;

export async function verify(
  store: Store,
  count: number,
  calls: LedgerCall[],
  delayed?: DelayedCall,
  /** Executions whose cancel the harness wrote: they may end cancelled. */
  cancelRequested: ReadonlySet<string> = new Set(),
): Promise<ChaosCounts> {
  const c: ChaosCounts = {
    executions: 0,
    completedRight: 0,
    wrongOrUnfinished: 0,
    parked: 0,
    cancelled: 0,
    children: 0,
    childrenWrong: 0,
    retried: 0,
    retriesWrong: 0,
    pings: 0,
    pingsWrong: 0,
    ledgerCalls: calls.length,
    effects: 0,
    repeatedEffects: 0,
    maxCallsPerEffect: 0,
    reRunAfterRecorded: 0,
    delayedAfterRecorded: 0,
    callsWithoutRecordedStart: 0,
    keysPerEffectMismatch: 0,
    missingKeys: calls.filter((x) => x.key === undefined).length,
    timers: 0,
    timersEarly: 0,
    timersTwice: 0,
    startedTwice: 0,
    completedTwice: 0,
  };
  const byKey = new Map<string, LedgerCall[]>();
  const keysOf = new Map<string, Set<string>>();
  for (const call of calls) {
    if (call.key === undefined) continue;
    byKey.set(call.key, [...(byKey.get(call.key) ?? []), call]);
    // one key per attempt of an effect: a retry's key ends in its own iteration (`/r1`)
    const effect = `${call.i}/${call.step}/${call.key.slice(call.key.lastIndexOf('/') + 1)}`;
    keysOf.set(effect, (keysOf.get(effect) ?? new Set()).add(call.key));
  }
  c.keysPerEffectMismatch = [...keysOf.values()].filter((s) => s.size !== 1).length;
  const recordedKeys = new Set<string>();
  const childrenOf = new Map<string, number>();
  const parents: string[] = [];
  /** Children by parent: their states. */
  const childStates = new Map<string, string[]>();
  /** Parents that ended cancelled as asked, and their i. */
  const cancelledAsked = new Map<string, number>();
  let cursor: string | undefined;
  do {
    const page = await store.listExecutions({ limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const record of page.items) {
      if (record.parentId !== undefined) {
        c.children++;
        childrenOf.set(record.parentId, (childrenOf.get(record.parentId) ?? 0) + 1);
        const states = childStates.get(record.parentId) ?? [];
        childStates.set(record.parentId, [...states, record.status.state]);
      } else {
        c.executions++;
        parents.push(record.id);
      }
      const history = (await store.loadHistory(record.id)).map((r) => r.event);
      const before = c.reRunAfterRecorded + c.startedTwice + c.completedTwice + c.timersTwice;
      check(history, byKey, recordedKeys, c, delayed);
      if (c.reRunAfterRecorded + c.startedTwice + c.completedTwice + c.timersTwice > before)
        (c.suspects ??= []).push(record.id);
      if (record.parentId !== undefined) continue;
      const i = (record.input as { i: number }).i;
      if (record.status.state === 'cancelled' && cancelRequested.has(record.id)) {
        c.cancelled++;
        cancelledAsked.set(record.id, i);
        continue;
      }
      const faults = history.filter((e) => e.type === 'TaskFaulted').length;
      if (faults > 0) c.retried++;
      if (faults !== (failsFirst(i) ? 1 : 0)) c.retriesWrong++;
      const right = JSON.stringify(expectedOutput(i));
      if (record.status.state === 'completed' && JSON.stringify(record.status.output) === right)
        c.completedRight++;
      else c.wrongOrUnfinished++;
      if (record.status.state === 'parked') {
        c.parked++;
        const why = (c.parkedWhy ??= []);
        if (why.length < 3) why.push(`${record.status.reason}: ${record.status.detail}`);
      }
    }
    cursor = page.nextCursor;
  } while (cursor);
  // a child completes, unless its parent was cancelled as asked: then it must not run on
  for (const [parentId, states] of childStates)
    for (const state of states)
      if (
        cancelledAsked.has(parentId)
          ? state !== 'cancelled' && state !== 'completed'
          : state !== 'completed'
      )
        c.childrenWrong++;
  for (const id of parents) {
    const n = childrenOf.get(id) ?? 0;
    if (cancelledAsked.has(id) ? n > 1 : n !== 1) c.childrenWrong++;
  }
  const cancelledI = new Set(cancelledAsked.values());
  const pingsOf = new Map<number, number>();
  for (let after = 0; ;) {
    const page = await store.readEvents({ after, limit: 1000 });
    if (page.length === 0) break;
    for (const e of page)
      if (e.event.type === pingType) {
        c.pings++;
        const i = (e.event.data as { i: number }).i;
        pingsOf.set(i, (pingsOf.get(i) ?? 0) + 1);
      }
    after = page[page.length - 1]!.seq;
  }
  for (let i = 0; i < count; i++) {
    const n = pingsOf.get(i) ?? 0;
    if (cancelledI.has(i) ? n > 1 : n !== 1) c.pingsWrong++;
  }
  c.callsWithoutRecordedStart = [...byKey.keys()].filter((k) => !recordedKeys.has(k)).length;
  if (c.executions !== count) c.wrongOrUnfinished += Math.abs(count - c.executions);
  return c;
}

function check(
  history: HistoryEvent[],
  byKey: Map<string, LedgerCall[]>,
  recordedKeys: Set<string>,
  c: ChaosCounts,
  delayed: DelayedCall | undefined,
): void {
  const keyOf = new Map<number, string>();
  const startedAt = new Map<number, number>();
  const ended = new Set<number>();
  const fireAt = new Map<number, number>();
  const fired = new Map<number, number>();
  for (const e of history) {
    if (e.type === 'TaskStarted') {
      if (keyOf.has(e.effectId)) c.startedTwice++;
      keyOf.set(e.effectId, e.key);
      if (!startedAt.has(e.effectId)) startedAt.set(e.effectId, e.time);
      recordedKeys.add(e.key);
      c.effects++;
    } else if (e.type === 'ChildStarted') {
      if (keyOf.has(e.effectId)) c.startedTwice++;
      keyOf.set(e.effectId, e.key);
    } else if (e.type === 'ChildCompleted' || e.type === 'ChildFaulted') {
      if (ended.has(e.effectId)) c.completedTwice++;
      ended.add(e.effectId);
    } else if (e.type === 'TaskCompleted' || e.type === 'TaskFaulted') {
      if (ended.has(e.effectId)) c.completedTwice++;
      ended.add(e.effectId);
      if (e.type === 'TaskFaulted') continue;
      const calls = byKey.get(keyOf.get(e.effectId) ?? '') ?? [];
      if (calls.length > 1) c.repeatedEffects++;
      c.maxCallsPerEffect = Math.max(c.maxCallsPerEffect, calls.length);
      const after = calls.filter((x) => x.at > e.time);
      const started = startedAt.get(e.effectId) ?? 0;
      const late = after.filter((x) => !delayed?.(x, started));
      c.delayedAfterRecorded += after.length - late.length;
      c.reRunAfterRecorded += late.length;
      for (const x of late.slice(0, 10 - (c.reRuns ??= []).length))
        c.reRuns.push({ key: x.key!, at: x.at, recordedAt: e.time, by: x.by });
    } else if (e.type === 'TimerStarted') {
      if (fireAt.has(e.effectId)) c.startedTwice++;
      fireAt.set(e.effectId, e.fireAt);
      c.timers++;
    } else if (e.type === 'TimerFired') {
      fired.set(e.effectId, (fired.get(e.effectId) ?? 0) + 1);
      if (e.time < (fireAt.get(e.effectId) ?? Infinity)) c.timersEarly++;
    }
  }
  c.timersTwice += [...fired.values()].filter((n) => n > 1).length;
}

/** True when the counts show a correct run. */
export function passed(c: ChaosCounts, count: number): boolean {
  return (
    c.executions === count &&
    c.completedRight + c.cancelled === count &&
    c.children <= count &&
    c.childrenWrong === 0 &&
    c.retriesWrong === 0 &&
    c.pingsWrong === 0 &&
    c.reRunAfterRecorded === 0 &&
    c.callsWithoutRecordedStart === 0 &&
    c.keysPerEffectMismatch === 0 &&
    c.missingKeys === 0 &&
    c.timersEarly === 0 &&
    c.timersTwice === 0 &&
    c.startedTwice === 0 &&
    c.completedTwice === 0
  );
}
