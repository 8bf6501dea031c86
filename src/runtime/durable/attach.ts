// Attaching executions to this process: the runner of an unfinished execution is built
// from its history (resume) exactly once per process, whoever asks first (recovery, a
// parent waiting for its child, cancel). Also: dead-letter and determinism parking,
// cancel/suspend/resume, child executions (children.ts), and unloading: while the worker
// serves, an execution that only waits for a timer more than unloadAfterMs away leaves
// memory (its run item goes back to the store, due at the timer) and is attached again
// from its history when the item comes due.
import { DeterminismError } from '../../core/index.js';
import type { Json, WorkflowRef } from '../../history/events.js';
import type { ExecutionRecord, Store } from '../../store/types.js';
import type { Clock } from '../clock.js';
import type { Hooks } from '../hooks.js';
import { ProblemError, problem } from '../problems.js';
import type { RegisteredWorkflow } from '../registry.js';
import type { ExecutionRunner } from '../runner.js';
import { outcomeOf } from './failures.js';
import type { StoreLanes } from './lanes.js';
import type { DurableLimits } from './options.js';
import type { Admission } from './admission.js';
import type { Claims } from './claims.js';
import { Children } from './children.js';
import { RemoteOutcomes, type RemoteRequest } from './remote.js';
import { recordTermination } from './terminate.js';
import { Live } from './live.js';
import type { Outcome } from '../started.js';

export { Live };

export interface AttacherDeps {
  store: Store;
  claims: Claims;
  lanes: StoreLanes;
  clock: Clock;
  hooks: Hooks;
  limits: DurableLimits;
  workflow(pinned: WorkflowRef & { hash: string }): Promise<RegisteredWorkflow>;
  /** A workflow by reference, from the store when this process has not registered it. */
  resolve(ref: WorkflowRef): Promise<RegisteredWorkflow>;
  validateInput(w: RegisteredWorkflow, input: Json): void;
  /** A child's priority and limit keys (its workflow's `limits`; no namespace limit). */
  admission(w: RegisteredWorkflow, input: Json): Admission;
  runner(id: string, w: RegisteredWorkflow): ExecutionRunner;
}

export class Attacher {
  private readonly live = new Map<string, Live>();
  private readonly loading = new Map<string, Promise<Live | undefined>>();
  /** Cancels the recovery grace timers (load) still running. */
  private readonly graces = new Set<() => void>();
  private readonly remote: RemoteOutcomes;
  readonly children: Children;
  /** Set while the worker serves (WorkLoop): unload executions idle longer than this. */
  private unloadAfterMs: number | undefined;
  /** Told when an unloaded execution's run item comes due (the loop wakes then). */
  private dueAt: ((at: number) => void) | undefined;

  constructor(private readonly deps: AttacherDeps) {
    this.remote = new RemoteOutcomes(deps.store, deps.claims.options.pollMs);
    this.children = new Children({
      claims: deps.claims,
      limits: deps.limits,
      resolve: (ref) => deps.resolve(ref),
      validateInput: (w, input) => deps.validateInput(w, input),
      admission: (w, input) => deps.admission(w, input),
      depth: (id) => this.live.get(id)?.depth,
      attach: (id) => this.attach(id, false),
      cancel: (id, reason) => this.cancel(id, reason),
    });
  }

  get liveCount(): number {
    let n = 0;
    for (const l of this.live.values()) if (l.runner && !l.runner.isFinished) n++;
    return n;
  }

  /**
   * The execution's Live (undefined when the store does not know it). `record`: the
   * execution's stored record when the caller has it fresh (start() has the one its
   * create committed), so loading it needs no read.
   */
  attach(
    id: string,
    recovery: boolean,
    reuse?: Live,
    record?: ExecutionRecord,
  ): Promise<Live | undefined> {
    const known = this.live.get(id);
    // an unloaded execution this process may drive (drivesAll) is loaded again
    const reload = known?.unloaded && this.deps.claims.holds(id);
    if (known && !reload) return Promise.resolve(known);
    let p = this.loading.get(id);
    if (!p) {
      p = this.load(id, recovery, reuse ?? known, record)
        .catch((error: unknown) => {
          this.orphaned(id);
          throw error;
        })
        .finally(() => this.loading.delete(id));
      this.loading.set(id, p);
    }
    return p;
  }

  /**
   * A load that failed after its Live was kept (the store went away mid-load: a
   * PostgreSQL restart) must not leave that Live in the map with no runner and nobody
   * watching it: whoever attached it later (a parent waiting for this child) got it and
   * waited forever, while another worker finished the execution (13 of 2,000 parents in
   * chaos/multi.ts, 2026-11-26). It leaves the map, so the next attach loads it afresh,
   * and is watched, so whoever holds it learns the outcome from the store.
   */
  private orphaned(id: string): void {
    const l = this.live.get(id);
    if (!l || l.runner || l.settled || l.parked) return;
    l.leave();
    this.watch(l);
  }

  private async load(
    id: string,
    recovery: boolean,
    reuse?: Live,
    known?: ExecutionRecord,
  ): Promise<Live | undefined> {
    const record = known ?? (await this.deps.store.getExecution(id));
    if (!record) return undefined;
    const live = reuse ?? new Live(id, await this.depthOf(record));
    this.keep(live);
    const done = outcomeOf(record.status);
    if (done) {
      live.settle(done);
      return live;
    }
    if (record.status.state === 'parked') {
      this.deps.claims.forget(id);
      live.parked = record.status.reason;
      return live;
    }
    if (!this.deps.claims.mayDrive(record)) {
      // driven by another worker (or waiting to be claimed): watch its stored status
      this.watch(live);
      return live;
    }
    if (recovery) {
      const attempts = await this.deps.store.noteRecoveryAttempt(id, this.deps.clock.now());
      if (attempts > this.deps.limits.maxRecoveryAttempts) {
        const detail = `${attempts - 1} recoveries in a row made no progress (limit maxRecoveryAttempts = ${this.deps.limits.maxRecoveryAttempts})`;
        await this.deps.lanes.setStatus(id, { state: 'parked', reason: 'dead-letter', detail });
        live.parked = 'dead-letter';
        return live;
      }
    }
    const w = await this.deps.workflow(record.workflow);
    const runner = this.deps.runner(id, w);
    // the lane is this runner's now: its steps go where this history ends
    const history = await this.deps.lanes.load(id, runner);
    live.drive(runner);
    void runner.outcome.then(() => {
      if (live.runner !== runner) return;
      if (runner.detached) {
        // it stopped as lost though nothing dropped it: a later load of the execution here
        // superseded it (StaleRunnerError), and that load's runner holds the claim and the
        // lane. This Live learns the outcome from the store.
        live.runner = undefined;
        this.watch(live);
        return;
      }
      this.deps.lanes.forget(id);
      this.deps.claims.forget(id);
    });
    if (history.length === 1) {
      this.deps.hooks.emit('execution:started', {
        executionId: id,
        workflow: record.workflow,
        started: history[0]!,
        ...(record.parentId ? { parentId: record.parentId } : {}),
      });
    }
    let relaunchedCalls: number;
    try {
      ({ relaunchedCalls } = runner.resume(history, {
        suspended: record.status.state === 'suspended',
      }));
    } catch (e) {
      if (!(e instanceof DeterminismError)) throw e;
      runner.detach();
      live.runner = undefined;
      await this.deps.lanes.setStatus(id, {
        state: 'parked',
        reason: 'determinism',
        detail: e.message,
      });
      live.parked = 'determinism';
      return live;
    }
    if (recovery && relaunchedCalls === 0) {
      // Replay and the commands it gave ran without crashing and no call of the execution's
      // own runs again: this recovery cannot be what kills the process. Counting it anyway
      // parked innocent executions (waiting for a timer) when a worker was killed again and
      // again within the grace period: the counter starts again now.
      this.deps.lanes.resetAttempts(id).catch(() => undefined);
    } else if (recovery) {
      // a call in flight at the crash runs again: it may be what crashed the process, so the
      // counter starts again only when the execution commits a step or survives the grace
      // here (driven by this runner all along: not once closed, dropped or unloaded; and the
      // timer does not keep a closed engine's process alive)
      const cancel = this.deps.clock.schedule(this.deps.limits.recoveryGraceMs, () => {
        this.graces.delete(cancel);
        if (live.runner === runner && !runner.isFinished)
          this.deps.lanes.resetAttempts(id).catch(() => undefined);
      });
      this.graces.add(cancel);
    }
    this.idle(live);
    return live;
  }

  /** While the worker serves: unload executions idle for longer than `afterMs`. */
  enableUnload(afterMs: number | undefined, dueAt?: (at: number) => void): void {
    this.unloadAfterMs = afterMs;
    this.dueAt = dueAt;
  }

  /**
   * RunnerDeps.unloadAt: on an exclusive store (nobody else claims) a step that leaves the
   * execution waiting for a far timer unloads it in its own commit: one write instead of
   * two. Elsewhere the run item stays claimed until the separate unload commit, so that a
   * request arriving meanwhile is not refused by our own lease check.
   */
  unloadAt(_runner: ExecutionRunner, until: number): number | undefined {
    if (this.unloadAfterMs === undefined || !this.deps.claims.drivesAll) return undefined;
    if (until - this.deps.clock.now() < this.unloadAfterMs) return undefined;
    return until - this.deps.claims.options.reloadAheadMs;
  }

  /** A runner recorded its step and waits (RunnerDeps.stepped). */
  stepped(runner: ExecutionRunner): void {
    const live = this.live.get(runner.executionId);
    if (live?.runner === runner) this.idle(live);
  }

  /** The runner of `live` waits (ExecutionRunner.stepped): unload it when it only waits
   *  for a timer far enough away. */
  idle(live: Live | undefined): void {
    const runner = live?.runner;
    if (!live || !runner || this.unloadAfterMs === undefined) return;
    const until = runner.idleUntil();
    if (until === undefined) return;
    if (!runner.unloadRecorded && until - this.deps.clock.now() < this.unloadAfterMs) return;
    runner.detach();
    live.runner = undefined;
    live.unloaded = true;
    if (live.awaited && !this.deps.claims.drivesAll) this.watch(live);
    // Nobody here asked for its outcome (no parent of this process, no handle that asked:
    // an execution recovered or claimed, or started through the HTTP API): nothing of it
    // stays in memory until its run item comes due and a claim attaches it anew
    // (outcomeOf brings it back for a handle that asks later). A worker that recovered
    // 100,000 waiting executions held 100,000 Lives before (benchmarks.md, session 8).
    if (!live.awaited) live.leave();
    const id = live.id;
    // due a little before the timer, so that claim and replay are done when it fires
    const dueAt = until - this.deps.claims.options.reloadAheadMs;
    if (runner.unloadRecorded) {
      // the step's own commit put the run item back (unloadAt): nothing more to write
      this.deps.claims.forget(id);
      this.deps.lanes.forget(id);
      this.dueAt?.(dueAt);
      return;
    }
    this.deps.lanes.unload(id, dueAt).then(
      () => {
        this.deps.claims.forget(id);
        this.deps.lanes.forget(id);
        this.dueAt?.(dueAt);
      },
      () => this.drop(id),
    );
  }

  /**
   * This process claimed `id`'s run item (serve loop or recovery). When it already drives
   * the execution, the claim was taken from it in between: the runner is stale (it would
   * miss what the other side recorded), so it is dropped and the execution attached anew.
   * `requested`: the claim's mark, when another process's request put the item back.
   */
  async claimed(id: string, counted = true, requested?: RemoteRequest): Promise<Live | undefined> {
    // An attach under way (a parent's child effect, a handle) ends first. Dropping its Live
    // midway left that load driving a Live outside the map, and the next attach built a
    // second runner of the execution beside it.
    const loading = this.loading.get(id);
    if (loading) await loading.catch(() => undefined);
    const reclaimed = this.deps.claims.takeReclaimed(id);
    const known = this.live.get(id);
    // Our own lapsed lease taken back with nobody in between (PostgreSQL, claims.ts): the
    // runner is current, and keeps going under the new claim; rebuilding it would run its
    // calls in flight again. Not while it has a commit on its way: that one carries the
    // old fencing token and is refused, which would drop the execution and the new claim
    // with it (it then waited a lease); retired below, the refusal drops nothing.
    if (
      reclaimed &&
      known?.runner &&
      !known.runner.isFinished &&
      !requested &&
      !this.deps.lanes.writing(id)
    )
      return known;
    if (known?.runner && this.deps.claims.drivesAll) {
      // This process drives everything (SQLite): nobody else takes its claims, so a
      // re-claim (after resetClaims) is ours, unless another process's request (remote.ts)
      // put the run item back. A suspend or resume changed only the stored status: the
      // runner follows it, and its calls in flight go on. A cancel added to the history.
      if (!requested) return known;
      if (requested !== 'cancel') {
        const state = (await this.deps.store.getExecution(id))?.status.state;
        if (state === 'suspended') known.runner.suspend();
        else if (state === 'running') known.runner.unsuspend();
        return known;
      }
    }
    // an execution this process unloaded comes back (the same Live: its waiters stay)
    if (known?.unloaded) return this.attach(id, counted, known);
    if (known) {
      // No lease fences the stale runner's writes on SQLite: a step of it still queued
      // could land after the new runner read the history, so the new one starts once
      // they are written (a refused one is dropped: lanes.retire).
      const retired = this.deps.lanes.retire(id);
      this.drop(id, true);
      // The same Live is driven again (its waiters learn the outcome from the new runner).
      // Marked unloaded, it is loaded again even if a handle that asks brought it back
      // into the map meanwhile (outcomeOf): attach returned it as it was, with no runner,
      // and nobody drove the execution while this process held its claim.
      known.unloaded = true;
      await retired;
    }
    return this.attach(id, counted, known);
  }

  /** The executions this process drives now (their runners). */
  driven(): Map<string, ExecutionRunner> {
    const runners = new Map<string, ExecutionRunner>();
    for (const [id, l] of this.live)
      if (l.runner && !l.runner.isFinished) runners.set(id, l.runner);
    return runners;
  }

  /**
   * Lets go of the executions of `runners` that the store says have ended, though their
   * runner here has not: another process ended them (terminate). Their calls in flight
   * stop; whoever awaits one learns its outcome from the store. One whose runner changed
   * or finished meanwhile is left alone.
   */
  dropEnded(runners: ReadonlyMap<string, ExecutionRunner>, ended: readonly string[]): number {
    let dropped = 0;
    for (const id of ended) {
      const runner = runners.get(id);
      if (!runner || this.live.get(id)?.runner !== runner || runner.isFinished) continue;
      this.drop(id);
      dropped++;
    }
    return dropped;
  }

  /** Another worker owns `id` now (a commit was refused): stop driving it, write nothing.
   *  Whoever awaits its outcome learns it from the store. */
  drop(id: string, keepClaim = false): void {
    const l = this.live.get(id);
    if (l) {
      l.runner?.detach();
      l.runner = undefined;
      this.live.delete(id);
      this.watch(l);
    }
    // a re-claim drops the stale runner but keeps the claim it just took
    if (!keepClaim) this.deps.claims.forget(id);
    this.deps.lanes.forget(id);
  }

  /**
   * The Live this process knows for `l`'s execution now: `l`, or the one that replaced it
   * after `l` left memory (unloaded while nobody had asked for its outcome) and the
   * execution was attached again.
   */
  current(l: Live): Live {
    const now = this.live.get(l.id);
    return now && now !== l && !l.settled ? now : l;
  }

  /**
   * The outcome of `l`'s execution, for a handle. A handle does not keep its Live in
   * memory until it asks (Live.awaited): an unloaded execution started here and whose
   * handle was dropped (a start through the HTTP API) costs nothing while it waits. When
   * the handle asks after its Live left, the Live comes back into the map, where the claim
   * that attaches the execution again finds and drives it; and since the execution may
   * have ended meanwhile (driven by a Live that replaced it), the store is asked once, or
   * watched where other workers drive executions.
   */
  async outcomeOf(l: Live): Promise<Outcome> {
    for (;;) {
      const live = this.current(l);
      if (live !== l || l.settled || this.live.get(l.id) === l) return live.outcome;
      const loading = this.loading.get(l.id);
      if (loading) {
        // an attach is under way: it made a Live of its own, or failed
        await loading.catch(() => undefined);
        continue;
      }
      this.keep(l);
      if (!this.deps.claims.drivesAll) {
        this.watch(l);
        return l.outcome;
      }
      const record = await this.deps.store.getExecution(l.id);
      const done = record && outcomeOf(record.status);
      if (done) l.settle(done);
      return this.current(l).outcome;
    }
  }

  private watch(l: Live): void {
    if (l.watched || l.settled) return;
    l.watched = true;
    void this.remote.outcome(l.id).then((o) => l.settle(o));
  }

  private keep(l: Live): Live {
    if (this.live.get(l.id) === l) return l;
    this.live.set(l.id, l);
    l.home = this.live;
    // one that ended already leaves at once (Live.settle: the others when they end)
    if (l.settled) queueMicrotask(() => l.leave());
    return l;
  }

  private async depthOf(record: ExecutionRecord): Promise<number> {
    let depth = 0;
    let parentId = record.parentId;
    while (parentId !== undefined) {
      const known = this.live.get(parentId);
      if (known) return depth + 1 + known.depth;
      depth++;
      parentId = (await this.deps.store.getExecution(parentId))?.parentId;
    }
    return depth;
  }

  async cancel(id: string, reason?: string): Promise<void> {
    const l = await this.attach(id, false);
    if (!l) throw notFound(id);
    if (l.runner && !l.runner.isFinished) {
      const recorded = l.runner.cancel(reason);
      if (l.runner.isSuspended) await this.unsuspend(id);
      await recorded; // durable: a crash from here on still cancels it
      return;
    }
    if (!l.runner && !l.parked) {
      await this.remote.request(id, 'cancel', this.deps.clock.now(), reason);
      return;
    }
    if (l.parked) {
      // a parked execution cannot run its finally blocks: it ends here
      await this.deps.lanes.appendUnleased(id, [
        {
          v: 1,
          type: 'ExecutionCancelled',
          time: this.deps.clock.now(),
          ...(reason ? { reason } : {}),
        },
      ]);
      this.live.delete(id);
    }
  }

  /**
   * Ends the execution at once (terminate.ts): a runner here stops (its calls in flight
   * are aborted) and its queued writes settle first; then the record, then the children
   * whose effect was in flight. Resolves with the execution's record; rejects 404 for an
   * unknown one. One that had ended already is left as it was.
   */
  async terminate(id: string, reason?: string): Promise<ExecutionRecord> {
    const l = this.live.get(id);
    if (l?.runner) {
      const retired = this.deps.lanes.retire(id);
      l.runner.detach();
      l.runner = undefined;
      await retired;
    }
    const now = this.deps.clock.now();
    const done = await recordTermination(this.deps.store, this.deps.hooks, id, now, reason);
    if (!done) throw notFound(id);
    const outcome = outcomeOf(done.record.status);
    if (l && outcome) l.settle(outcome);
    this.live.delete(id);
    this.deps.claims.forget(id);
    this.deps.lanes.forget(id);
    for (const child of done.children)
      await this.terminate(child, 'its parent was terminated').catch(() => undefined);
    return done.record;
  }

  /**
   * Ends a child its parent's cached result made unneeded. Nobody attached it (the parent
   * never launched it), so it has not started and ends at once, without running; one
   * that is attached here after all is cancelled as cancel() does.
   */
  async dropChild(id: string, reason: string): Promise<void> {
    if (this.live.has(id)) return this.cancel(id, reason);
    await this.remote.request(id, 'cancel', this.deps.clock.now(), reason);
    this.deps.claims.forget(id);
  }

  /**
   * A parked execution (dead-letter, determinism) runs again, once its cause is fixed:
   * status running, recovery attempts 0, and an unclaimed run item due now. A claim (this
   * process's serving loop, or any worker's) admits it under its limits, as it gave its
   * concurrency slots up when parked, and recovers it from its history: effects in flight
   * when it was parked run again with the same idempotency key. One that fails the same
   * way is parked again.
   */
  async unpark(id: string): Promise<void> {
    // the store's word, not this process's memory: another worker may have parked it
    const record = await this.deps.store.getExecution(id);
    if (!record) throw notFound(id);
    if (record.status.state !== 'parked') throw notParked(id);
    this.deps.lanes.forget(id); // what a lane here knew of its history may be stale
    await this.deps.lanes.unpark(id, this.deps.claims.runItem(false));
    // driven again only through a claim (here or elsewhere); until then attach() waits
    this.deps.claims.await(id);
    const l = this.live.get(id);
    if (!l) return;
    l.parked = undefined;
    l.unloaded = true;
    if (l.awaited && !this.deps.claims.drivesAll) this.watch(l);
  }

  async suspend(id: string): Promise<void> {
    const l = await this.attach(id, false);
    if (!l) throw notFound(id);
    if (!l.runner && !l.parked) {
      if (!(await this.remote.request(id, 'suspend', this.deps.clock.now()))) throw notRunning(id);
      return;
    }
    if (!l.runner || l.runner.isFinished) throw notRunning(id);
    l.runner.suspend();
    await this.deps.lanes.setStatus(id, { state: 'suspended' });
  }

  async unsuspend(id: string): Promise<void> {
    const l = await this.attach(id, false);
    if (!l) throw notFound(id);
    if (!l.runner && !l.parked) {
      if (!(await this.remote.request(id, 'resume', this.deps.clock.now()))) throw notRunning(id);
      return;
    }
    if (!l.runner || l.runner.isFinished) throw notRunning(id);
    if (!l.runner.isSuspended) return;
    await this.deps.lanes.setStatus(id, { state: 'running' });
    l.runner.unsuspend();
  }

  async detachAll(): Promise<void> {
    for (const cancel of this.graces) cancel();
    this.graces.clear();
    for (const l of this.live.values()) l.runner?.detach();
    this.live.clear();
    this.remote.close();
    await this.deps.lanes.idle();
  }
}

function notFound(id: string): ProblemError {
  return new ProblemError(
    problem('validation', 'Execution not found', `execution ${id} does not exist`, { status: 404 }),
    false,
  );
}

function notParked(id: string): ProblemError {
  return new ProblemError(
    problem('validation', 'Execution not parked', `execution ${id} is not parked`, {
      status: 409,
    }),
    false,
  );
}

function notRunning(id: string): ProblemError {
  return new ProblemError(
    problem('validation', 'Execution not running', `execution ${id} is not running`, {
      status: 409,
    }),
    false,
  );
}
