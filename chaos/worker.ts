// One incarnation of the chaos worker (a child process the harness SIGKILLs again and
// again): opens the store, serves it (recovers, then claims every 100 ms: requests from
// the harness, chaos/requests.ts), starts every execution with an idempotency key (a
// start that already happened returns the same execution), waits for all, exits 0.
//   node --import tsx chaos/worker.ts DB_PATH LEDGER_URL COUNT WAIT_MS
import { DurableEngine } from '../src/runtime/durable/engine.js';
import { openSqliteStore } from '../src/store/index.js';
import { chaosWorkflows } from './workflow.js';

const [path, ledger, countText, waitText] = process.argv.slice(2);
if (!path || !ledger || !countText || !waitText) {
  process.stderr.write('usage: chaos/worker.ts DB_PATH LEDGER_URL COUNT WAIT_MS\n');
  process.exit(2);
}
const store = openSqliteStore({ path, synchronous: 'FULL' });
// The kills here are external and come faster than recoveryGraceMs, so with the default
// bound (5) executions that got no turn between kills were dead-lettered (a 300-execution,
// 15-kill run parked some). The bound is tested on its own (test/durable/recovery.test.ts);
// here it is set above the number of kills.
const engine = new DurableEngine({
  store,
  env: {},
  idempotencyHeader: true,
  limits: { maxRecoveryAttempts: Number(process.env.CHAOS_MAX_RECOVERY_ATTEMPTS ?? 1000) },
  worker: { pollMs: 100 },
});
const [child, parent] = chaosWorkflows(ledger, Number(waitText));
await engine.register(child!);
const [ref] = await engine.register(parent!);
await engine.serve();
const handles = [];
for (let i = 0; i < Number(countText); i++)
  handles.push(await engine.start(ref!, { i }, { idempotencyKey: `chaos-${i}` }));
// a parked execution (dead-letter, determinism) never ends: do not wait for it
const outcomes = await Promise.all(handles.filter((h) => !h.parked).map((h) => h.outcome));
await engine.close();
await store.close();
const bad = outcomes.filter((o) => o.status !== 'completed').length;
const parked = handles.filter((h) => h.parked).length;
process.stdout.write(JSON.stringify({ done: outcomes.length, bad, parked }) + '\n');
