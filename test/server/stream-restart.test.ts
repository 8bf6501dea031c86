// Streams after a restart of `weft serve` on its SQLite file: the executions left
// unfinished resume in the new process (recovery, before the server takes requests, as
// src/cli/serve.ts does), and what they record from then on reaches the firehose and
// their execution streams live, although this process never saw them start.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DurableEngine } from '../../src/runtime/durable/engine.js';
import { ApprovalInbox } from '../../src/server/approvals.js';
import { DurableAdapter } from '../../src/server/durable-adapter.js';
import { KeyRing } from '../../src/server/keys.js';
import { type RunningServer, serve } from '../../src/server/serve.js';
import { HookRegistry } from '../../src/server/webhooks.js';
import { openSqliteStore } from '../../src/store/index.js';
import { until, waiterYaml } from './helpers.js';
import { closedWithin, open } from './ws-client.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One `weft serve` process: its engine recovers first, then the server listens. */
async function boot() {
  const store = openSqliteStore({ path: join(dir, 'weft.db'), integrityCheck: 'none' });
  const engine = new DurableEngine({ store, env: {} });
  await engine.serve();
  const adapter = new DurableAdapter(engine);
  const approvals = new ApprovalInbox(adapter, store);
  const server: RunningServer = await serve({
    engine: adapter,
    keys: new KeyRing(join(dir, 'keys.json')),
    hooks: new HookRegistry(),
    approvals,
    host: '127.0.0.1',
    port: 0,
    // a tail far beyond the test: what arrives, arrives live
    streamLimits: { maxQueued: 1000, maxBufferedBytes: 1 << 20, tailMs: 60_000 },
  });
  return {
    engine,
    adapter,
    ws: `${server.url.replace('http', 'ws')}/api/v1`,
    async stop() {
      await server.close();
      approvals.close();
      await adapter.close();
      await store.close();
    },
  };
}

describe('streams after a restart', () => {
  it('carry the events of executions resumed from the store', async () => {
    const first = await boot();
    await first.adapter.registerWorkflow(waiterYaml(), 'yaml');
    const handle = await first.engine.start(
      { namespace: 'team-a', name: 'waiter', version: '1.0.0' },
      {},
    );
    const id = handle.id;
    const listening = async () =>
      (await first.engine.store.loadHistory(id)).some((r) => r.event.type === 'ListenStarted') ||
      undefined;
    await until(listening);
    await first.stop(); // the execution waits in the store for its event

    const second = await boot();
    try {
      const before = (await second.engine.store.loadHistory(id)).length;
      const firehose = await open(`${second.ws}/stream?namespace=team-a`);
      const stream = await open(`${second.ws}/executions/${id}/stream`);
      await second.adapter.publishEvents([
        { specversion: '1.0', id: 'go-1', source: 'test', type: 'com.example.go', data: { n: 7 } },
      ]);
      // the tail reads the store once a minute here: the end arrives live, or not at all
      expect((await closedWithin(stream, 10_000)).code).toBe(1000);
      const stored = (await second.engine.store.loadHistory(id)).map((r) => r.seq);
      expect(stream.messages.filter((m) => m.kind === 'history').map((m) => m.seq)).toEqual(stored);
      expect(stream.messages.at(-1)).toMatchObject({ kind: 'end', seq: stored.at(-1) });
      // the firehose (live only): everything recorded after the restart, in order
      await until(
        async () =>
          firehose.messages.some((m) => m.event?.type === 'ExecutionCompleted') || undefined,
      );
      const live = firehose.messages.filter((m) => m.kind === 'history');
      expect(new Set(live.map((m) => m.executionId))).toEqual(new Set([id]));
      expect(live.map((m) => m.seq)).toEqual(stored.slice(before));
      expect((await second.engine.store.getExecution(id))?.status).toEqual({
        state: 'completed',
        output: { heard: 7 },
      });
      firehose.ws.close();
    } finally {
      await second.stop();
    }
  });
});
