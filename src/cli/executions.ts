// `weft executions list|show ID|cancel ID|terminate ID|suspend ID|resume ID [--json]`: the
// executions in the store under $WEFT_HOME. `list [--state S]` newest page first as the
// store orders it; `show ID` the record and its history; `cancel ID` cancels (its
// try.finally blocks and children too) and waits for it to end; `terminate ID` ends it at
// once (one write, whoever drives it: terminate.ts); `suspend ID` holds a running execution;
// `resume ID` lets a suspended execution go on, or a parked one run again (engine.unpark).
// Suspend and resume only write (requests, remote.ts): whichever process serves the
// store carries them out, now or when it starts. So does cancel beside a process serving
// the SQLite file (servedBy); with none, this process runs the cancellation to its end.
// Exit 0; 2 on bad usage; 1 when the execution does not exist or is in no state for it.
import type { ExecutionRecord, ExecutionState } from '../store/types.js';
import { DurableEngine } from '../runtime/durable/engine.js';
import { openStoreFor, type StoreSpec, takeStoreFlag } from '../runtime/durable/home.js';
import { servingHolder } from '../store/sqlite/serving-lock.js';
import { ProblemError, problem } from '../runtime/problems.js';

const usage = `Usage: weft executions list [--state STATE] [--limit N] [--json] [--store URL]
       weft executions show ID [--json] [--store URL]
       weft executions cancel ID [--reason TEXT] [--json] [--store URL]
       weft executions terminate ID [--reason TEXT] [--json] [--store URL]
       weft executions suspend ID [--json] [--store URL]
       weft executions resume ID [--json] [--store URL]

The executions in the store: --store URL (postgres://...[?schema=NAME], sqlite:PATH or a
path), else $WEFT_STORE, else $WEFT_HOME/weft.db (WEFT_HOME default ./.weft).
STATE: running, suspended, completed, faulted, cancelled, parked.
terminate: ends it at once, without its finally blocks (a cancel they hold up, or one
nobody can drive); its child executions in flight too.
suspend: a running execution takes no further step (the outcomes of its calls in flight
wait) until resumed. resume: a suspended execution goes on; a parked one (dead-letter,
determinism) runs again from its history. Both are carried out by the process serving the
store (weft worker, weft serve), or by the next one to start (or weft resume).
`;

const states = ['running', 'suspended', 'completed', 'faulted', 'cancelled', 'parked'];

function summary(r: ExecutionRecord): string {
  const w = r.workflow;
  const s = r.status;
  const extra =
    s.state === 'parked'
      ? ` (${s.reason})`
      : s.state === 'faulted'
        ? ` ${s.error.title ?? ''}`
        : '';
  return `${r.id}  ${s.state}${extra}  ${w.namespace}/${w.name}@${w.version}  ${new Date(r.createdAt).toISOString()}`;
}

const changes = new Set(['cancel', 'suspend', 'resume']);

/**
 * The process serving this SQLite file (`weft worker`, `weft serve`), when there is one
 * and the command changes executions. Driving an execution here would drive it beside
 * that process, and a call in flight would run in both: the command then only records
 * the request in the store, as on PostgreSQL, and that process carries it out at its next
 * claim round (claims.ts `claimedOnly`, remote.ts).
 */
function servedBy(sub: string, spec: StoreSpec): string | undefined {
  if (spec.kind !== 'sqlite' || !changes.has(sub)) return undefined;
  return servingHolder(spec.path);
}

/** The server's client (src/client) answers when --server or WEFT_SERVER is given. */
async function viaServer(args: string[]): Promise<number> {
  const path = '../client/executions-cli.js';
  const client = (await import(path)) as { run(args: string[]): Promise<number> };
  return client.run(args);
}

export async function run(args: string[]): Promise<number> {
  if (process.env.WEFT_SERVER || args.some((a) => a === '--server' || a.startsWith('--server=')))
    return viaServer(args);
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    (args.length === 0 ? process.stderr : process.stdout).write(usage);
    return args.length === 0 ? 2 : 0;
  }
  const parsed = takeStoreFlag(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`weft executions: ${parsed}\n\n${usage}`);
    return 2;
  }
  const [sub = '', ...rest] = parsed.rest;
  const json = rest.includes('--json');
  const opts = rest.filter((a) => a !== '--json');
  const flag = (name: string) => {
    const i = opts.indexOf(name);
    if (i < 0) return undefined;
    const v = opts[i + 1];
    opts.splice(i, 2);
    return v ?? '';
  };
  const fail = (m: string) => {
    process.stderr.write(`weft executions: ${m}\n\n${usage}`);
    return 2;
  };
  if (sub !== 'list' && sub !== 'show' && sub !== 'terminate' && !changes.has(sub))
    return fail(`unknown subcommand '${sub}'`);
  const state = flag('--state');
  const limit = flag('--limit');
  const reason = flag('--reason');
  if (state !== undefined && !states.includes(state))
    return fail(`--state takes one of ${states.join(', ')}`);
  if (limit !== undefined && !(Number.isInteger(Number(limit)) && Number(limit) > 0))
    return fail('--limit takes a positive integer');
  if (sub !== 'list' && opts.length !== 1) return fail(`${sub} takes one execution ID`);
  if (sub === 'list' && opts.length > 0) return fail(`unexpected argument '${opts[0]}'`);

  const opened = await openStoreFor('executions', parsed.store);
  if (typeof opened === 'number') return opened;
  const { store } = opened;
  const holder = servedBy(sub, opened.spec);
  // Suspend and resume are requests even when nothing serves the store: driving the
  // execution here to hold it or let it go would launch its calls in flight again, only
  // to abort them when this command exits. pollMs: how often an outcome is read back.
  const requests = holder !== undefined || sub === 'suspend' || sub === 'resume';
  const engine = new DurableEngine({
    store,
    ...(requests ? { worker: { claimedOnly: true, pollMs: 200 } } : {}),
  });
  const out = (v: unknown, text: string) =>
    process.stdout.write((json ? JSON.stringify(v) : text) + '\n');
  try {
    if (sub === 'list') {
      const page = await engine.list({
        ...(state ? { states: [state as ExecutionState] } : {}),
        limit: limit ? Number(limit) : 50,
      });
      out(page.items, page.items.map(summary).join('\n'));
      return 0;
    }
    const id = opts[0]!;
    const found = await engine.get(id);
    if (!found) {
      process.stderr.write(`weft executions: execution ${id} does not exist\n`);
      return 1;
    }
    const current = found.status.state;
    // said once the request is in the store (a running or suspended execution only)
    const requested = () => {
      if (holder && (current === 'running' || current === 'suspended'))
        process.stderr.write(
          `weft executions: ${holder} serves this store: ${sub} of execution ${id} requested ` +
            `there${sub === 'cancel' ? '; waiting for it to end' : ''}\n`,
        );
    };
    if (sub === 'cancel') {
      await engine.cancel(id, reason);
      requested();
      const handle = await engine.handle(id);
      if (handle && !handle.parked) await handle.outcome;
    }
    // refused before anything attaches it, as the API refuses it (409)
    const refuse = (title: string, only: string) => {
      const detail = `execution ${id} is ${current}; only ${only}`;
      process.stderr.write(JSON.stringify(problem('validation', title, detail, { status: 409 })));
      process.stderr.write('\n');
      return 1;
    };
    if (sub === 'terminate') {
      // one write, here, whoever drives it (terminate.ts): no request to wait for
      if (current === 'completed' || current === 'faulted' || current === 'cancelled')
        return refuse('Execution ended', 'a running, suspended or parked one can be terminated');
      await engine.terminate(id, reason);
    }
    if (sub === 'suspend') {
      if (current !== 'running' && current !== 'suspended')
        return refuse('Execution not suspendable', 'a running execution can be suspended');
      await engine.suspend(id);
      requested();
    }
    if (sub === 'resume') {
      if (current === 'parked') await engine.unpark(id);
      else if (current === 'suspended') {
        await engine.resume(id);
        requested();
      } else
        return refuse('Execution not resumable', 'a suspended or parked execution can be resumed');
    }
    const record = (await engine.get(id))!;
    if (changes.has(sub) || sub === 'terminate') {
      out(record, summary(record));
      return 0;
    }
    const history = await engine.history(id);
    out(
      { ...record, history },
      [
        summary(record),
        ...history.map((h) => `  ${h.seq}  ${h.event.type}  ${JSON.stringify(h.event)}`),
      ].join('\n'),
    );
    return 0;
  } catch (e) {
    if (e instanceof ProblemError) {
      process.stderr.write(JSON.stringify(e.problem) + '\n');
      return 1;
    }
    throw e;
  } finally {
    await engine.close();
    await store.close();
  }
}
