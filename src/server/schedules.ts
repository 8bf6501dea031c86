// Schedules of registered workflows (`schedule.every`, `cron`, `after`, `on`), started by
// the server. No double starts: each start carries an idempotency key naming its slot
// (`schedule:<ns>/<name>@<version>:<slot time>`, or `on:<ref>:["<event source>","<event
// id>"]`: CloudEvents are unique by source and id), so the store refuses a second
// execution for the same slot, across restarts and processes alike.
//
// Catch-up policy: after downtime only the LATEST missed slot of each schedule is
// started (once); earlier missed slots are skipped. `every` slots are counted from the
// workflow's registration time; `after` starts once, that long after registration;
// `cron` slots follow the expression (UTC). `on`: an event whose attributes equal the
// `with` of `one` (or of any entry of `any`/`all`) starts an execution with input
// {event}. `on` follows the engine's events log (port.onEvent): an event stored by any
// process on the store starts the workflow, and when several servers read the same log
// the idempotency key makes one execution of it. The scheduled workflows are remembered
// in $WEFT_HOME/schedules.json.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Cron } from 'croner';
import type { CloudEvent, Json, WorkflowRef } from '../history/events.js';
import { durationToMs } from '../dsl/compile-duration.js';
import { parseDocuments } from '../dsl/index.js';
import type { Store, WorkflowRecord } from '../store/types.js';
import type { EnginePort } from './port.js';

interface Entry {
  ref: WorkflowRef;
  createdAt: number;
  every?: number;
  after?: number;
  cron?: Cron;
  on?: Record<string, Json>[];
}

const refKey = (r: WorkflowRef) => `${r.namespace}/${r.name}@${r.version}`;

function filters(on: unknown): Record<string, Json>[] {
  const o = on as {
    one?: { with?: Record<string, Json> };
    any?: { with?: Record<string, Json> }[];
    all?: { with?: Record<string, Json> }[];
  };
  const list = o.one ? [o.one] : (o.any ?? o.all ?? []);
  return list.map((f) => f.with ?? {});
}

export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private timer?: NodeJS.Timeout;
  /** `on` starts in progress (publishEvents waits for them). */
  private readonly pending = new Set<Promise<unknown>>();
  private offEvents: (() => void) | undefined;

  constructor(
    private readonly port: EnginePort,
    private readonly store: Store,
    private readonly file?: string,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Remembers `w` when its document has a schedule. Returns whether it has one. */
  add(w: WorkflowRecord): boolean {
    const doc = parseDocuments(w.source).documents[0]?.value as
      { schedule?: Record<string, unknown> } | undefined;
    const s = doc?.schedule;
    if (!s) return false;
    const ms = (v: unknown) => {
      const d = durationToMs(v as Json);
      return typeof d === 'number' && d > 0 ? d : undefined;
    };
    const entry: Entry = {
      ref: { namespace: w.namespace, name: w.name, version: w.version },
      createdAt: w.createdAt,
    };
    const every = ms(s.every);
    const after = ms(s.after);
    if (every) entry.every = every;
    if (after) entry.after = after;
    if (typeof s.cron === 'string')
      entry.cron = new Cron(s.cron, { paused: true, timezone: 'UTC' });
    if (s.on) entry.on = filters(s.on);
    this.entries.set(refKey(entry.ref), entry);
    this.save();
    return true;
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(
      tmp,
      JSON.stringify({ workflows: [...this.entries.values()].map((e) => e.ref) }) + '\n',
    );
    renameSync(tmp, this.file);
  }

  /** Loads the scheduled workflows remembered in the file (server start). */
  async load(): Promise<void> {
    if (!this.file || !existsSync(this.file)) return;
    const { workflows } = JSON.parse(readFileSync(this.file, 'utf8')) as {
      workflows: WorkflowRef[];
    };
    for (const ref of workflows) {
      const w = await this.store.getWorkflow(ref);
      if (w) this.add(w);
    }
  }

  /** The latest slot due at `now`, if any. */
  private slot(e: Entry, now: number): number | undefined {
    if (e.every) {
      const n = Math.floor((now - e.createdAt) / e.every);
      return n >= 1 ? e.createdAt + n * e.every : undefined;
    }
    if (e.after) return now >= e.createdAt + e.after ? e.createdAt + e.after : undefined;
    if (e.cron) {
      const prev = e.cron.previousRuns(1, new Date(now))[0];
      return prev && prev.getTime() >= e.createdAt ? prev.getTime() : undefined;
    }
    return undefined;
  }

  /** Starts the due slot of every time schedule (idempotent: a started slot is not repeated). */
  async tick(): Promise<string[]> {
    const now = this.now();
    const started: string[] = [];
    for (const e of this.entries.values()) {
      const slot = this.slot(e, now);
      if (slot === undefined) continue;
      const key = `schedule:${refKey(e.ref)}:${new Date(slot).toISOString()}`;
      const r = await this.port.startExecution({ workflow: e.ref, input: {}, idempotencyKey: key });
      if (r.created) started.push(r.execution.id);
    }
    return started;
  }

  /** Starts the `schedule.on` workflows the events match. */
  async onEvents(events: CloudEvent[]): Promise<string[]> {
    const started: string[] = [];
    for (const e of this.entries.values()) {
      if (!e.on) continue;
      for (const ev of events) {
        const match = e.on.some((f) => Object.entries(f).every(([k, v]) => ev[k] === v));
        if (!match) continue;
        const key = `on:${refKey(e.ref)}:${JSON.stringify([ev.source, ev.id])}`;
        const r = await this.port.startExecution({
          workflow: e.ref,
          input: { event: ev as Json },
          idempotencyKey: key,
        });
        if (r.created) started.push(r.execution.id);
      }
    }
    return started;
  }

  /** Starts `on` workflows for each event the engine reads from its events log; false
   *  when the engine has no log to follow (then publishEvents starts them). */
  follow(): boolean {
    if (!this.port.onEvent || this.offEvents) return this.offEvents !== undefined;
    this.offEvents = this.port.onEvent((event) => {
      const started = this.onEvents([event]).catch((e: unknown) =>
        process.stderr.write(
          `weft: schedule.on start for event ${event.id} failed: ${String(e)}\n`,
        ),
      );
      this.pending.add(started);
      void started.finally(() => this.pending.delete(started));
    });
    return true;
  }

  /** Resolves once the `on` starts in progress are done. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Ticks every `intervalMs` (the timer does not keep the process alive). */
  run(intervalMs = 1000): void {
    this.timer = setInterval(() => void this.tick().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.offEvents?.();
    this.offEvents = undefined;
  }
}

/** The port with schedules: registering remembers them, stored events start `on` workflows. */
export function withSchedules(port: EnginePort, scheduler: Scheduler): EnginePort {
  const wrapped = Object.create(port) as EnginePort;
  wrapped.registerWorkflow = async (source, format) => {
    const r = await port.registerWorkflow(source, format);
    for (const w of r.workflows) scheduler.add(w);
    return r;
  };
  const following = scheduler.follow();
  wrapped.publishEvents = async (events) => {
    await port.publishEvents(events);
    // the log delivered them to the scheduler (once each); answer after their starts
    if (following) await scheduler.settled();
    else await scheduler.onEvents(events);
  };
  return wrapped;
}
