import { DurableEngine } from '../src/runtime/durable/engine.js';
import { createEngine } from '../src/runtime/engine.js';
import { openSqliteStore } from '../src/store/index.js';
const d = JSON.stringify({
  document: { dsl: '1.0.0', namespace: 'b', name: 't', version: '1.0.0' },
  do: [{ w: { wait: { hours: 1 } } }],
});
const N = 5000;
const mode = process.argv[2];
global.gc!();
const base = process.memoryUsage().heapUsed;
if (mode === 'mem') {
  const e = createEngine({ env: {} });
  const [ref] = e.register(d);
  for (let i = 0; i < N; i++) e.start(ref!, {});
  await new Promise((r) => setTimeout(r, 500));
} else {
  const store = openSqliteStore({
    path: '/tmp/probe-mem.db',
    synchronous: 'NORMAL',
    integrityCheck: 'none',
  });
  const e = new DurableEngine({ store, env: {} });
  const [ref] = await e.register(d);
  for (let i = 0; i < N; i += 500)
    await Promise.all(Array.from({ length: 500 }, () => e.start(ref!, {})));
  await new Promise((r) => setTimeout(r, 500));
}
global.gc!();
console.log(
  mode,
  ((process.memoryUsage().heapUsed - base) / N / 1024).toFixed(1),
  'KB heap per waiting execution; rss',
  (process.memoryUsage().rss / 1e6).toFixed(0),
);
