// The events log on the embedded store (SQLite, synchronous=FULL), in one run:
//   npx tsx bench/events/run.ts [--events 2000] [--noise 0,1000,10000]
// - publish: events stored and delivered per second: one publish per event awaited in
//   turn, 100 in flight (group commit), batches of 500
// - look back: how long a listen reached late takes to find its event behind N other
//   stored events of its execution's window (each page of 500 is read and matched),
//   against N = 0 in the same run.
// Prints a table (markdown); the figures are quoted in docs/guarantees.md "Events".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudEvent, Json } from '../../src/history/events.js';
import { DurableEngine } from '../../src/runtime/durable/engine.js';
import { openSqliteStore } from '../../src/store/index.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1]!;
}
const total = Number(flag('events', '2000'));
const noises = flag('noise', '0,1000,10000').split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'weft-bench-events-'));
let n = 0;
const fresh = () =>
  openSqliteStore({ path: join(dir, `e${n++}.db`), synchronous: 'FULL', integrityCheck: 'none' });
const ev = (id: string, type = 'bench.noise'): CloudEvent => ({
  specversion: '1.0',
  id,
  source: '/bench',
  type,
  data: { id },
});
const rows: string[] = ['| measure | value |', '|---|---|'];
const row = (name: string, value: string) => {
  rows.push(`| ${name} | ${value} |`);
  process.stderr.write(`${name}: ${value}\n`);
};

async function publishRate(mode: 'one' | 'concurrent' | 'batch'): Promise<number> {
  const store = fresh();
  const engine = new DurableEngine({ store, env: {} });
  const t0 = performance.now();
  if (mode === 'batch') {
    for (let i = 0; i < total; i += 500)
      await engine.publish(Array.from({ length: 500 }, (_, j) => ev(`b${i + j}`)));
  } else if (mode === 'concurrent') {
    for (let i = 0; i < total; i += 100)
      await Promise.all(Array.from({ length: 100 }, (_, j) => engine.publish(ev(`c${i + j}`))));
  } else for (let i = 0; i < total; i++) await engine.publish(ev(`s${i}`));
  const rate = total / ((performance.now() - t0) / 1000);
  await engine.close();
  await store.close();
  return rate;
}

async function lookBackMs(noise: number): Promise<number> {
  const store = fresh();
  const engine = new DurableEngine({ store, env: {} });
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  let gated!: () => void;
  const reached = new Promise<void>((r) => (gated = r));
  engine.registerFunction('gate', async () => {
    gated();
    await opened;
    return {} as Json;
  });
  await engine.register(
    JSON.stringify({
      document: { dsl: '1.0.0', namespace: 'bench', name: 'late', version: '1.0.0' },
      do: [
        { gate: { call: 'gate' } },
        { wait: { listen: { to: { one: { with: { type: 'bench.match' } } } } } },
      ],
    }),
  );
  const h = await engine.start({ namespace: 'bench', name: 'late' });
  await reached;
  for (let i = 0; i < noise; i += 500)
    await engine.publish(
      Array.from({ length: Math.min(500, noise - i) }, (_, j) => ev(`n${i + j}`)),
    );
  await engine.publish(ev('match', 'bench.match'));
  const t0 = performance.now();
  open();
  await h.result();
  const ms = performance.now() - t0;
  await engine.close();
  await store.close();
  return ms;
}

try {
  const one = await publishRate('one');
  const concurrent = await publishRate('concurrent');
  const batched = await publishRate('batch');
  row(`publish, one event per call, awaited in turn (${total})`, `${one.toFixed(0)} events/s`);
  row(`publish, 100 calls in flight (${total})`, `${concurrent.toFixed(0)} events/s`);
  row(`publish, batches of 500 (${total})`, `${batched.toFixed(0)} events/s`);
  row('batch / one', `${(batched / one).toFixed(1)}x`);
  const base = await lookBackMs(0);
  row('look back, the event alone: gate open to result', `${base.toFixed(1)} ms`);
  for (const k of noises.filter((x) => x > 0)) {
    const t = await lookBackMs(k);
    row(`look back behind ${k} other events`, `${t.toFixed(1)} ms (${(t / base).toFixed(1)}x)`);
  }
  process.stdout.write(rows.join('\n') + '\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
