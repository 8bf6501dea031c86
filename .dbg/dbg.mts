import { spawn } from 'node:child_process';
import { DurableEngine } from '/work/main/src/runtime/durable/engine.js';
import { openTestStore, freshSchema, admin } from '/work/main/test/store/pg-helpers.js';
import { doc } from '/work/main/test/durable/helpers.js';
const schema = freshSchema();
const store = await openTestStore(schema);
const client = new DurableEngine({ store, env: {}, worker: { name: 'client', runStarts: false, pollMs: 50 } });
client.registerFunction('mark', () => { throw new Error('x'); });
await client.register(doc('ml', [{ pause: { wait: { milliseconds: 2500 } } }, { mark: { call: 'mark', with: { n: '${ .n }' } } }]));
const w = spawn(process.execPath, ['--import', 'tsx', '/work/main/test/durable/fixtures/pg-worker.ts', schema, 'paused', '1000'], { stdio: ['ignore', 'inherit', 'inherit'] });
await new Promise((r) => setTimeout(r, 3000));
const hs = await Promise.all(Array.from({ length: 3 }, (_, n) => client.start({ namespace: 'test', name: 'ml' }, { n })));
for (let i = 0; i < 12; i++) {
  console.log(JSON.stringify(await admin(`SELECT execution_id, key, claimed_by, due_at, lease_until FROM "${schema}".work`)));
  await new Promise((r) => setTimeout(r, 300));
}
w.kill('SIGTERM');
await client.close(); await store.close();
