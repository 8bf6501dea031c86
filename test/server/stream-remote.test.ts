// An execution stream of a server whose process does not drive the execution (several
// processes on PostgreSQL: the server only takes requests, a worker drives): the stream
// reads what the worker records from the store, in order, and ends with the execution.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DurableEngine } from '../../src/runtime/durable/engine.js';
import { ApprovalInbox } from '../../src/server/approvals.js';
import { DurableAdapter } from '../../src/server/durable-adapter.js';
import { KeyRing } from '../../src/server/keys.js';
import { type RunningServer, serve } from '../../src/server/serve.js';
import { HookRegistry } from '../../src/server/webhooks.js';
import type { PostgresStore } from '../../src/store/index.js';
import {
  describePg,
  dropSchema,
  freshSchema,
  openTestStore,
  pgUnavailable,
} from '../store/pg-helpers.js';
import { call, json } from './contract.js';
import { open } from './ws-client.js';

const reason = await pgUnavailable();

describePg('streams of executions another process drives', reason, () => {
  describe('streams of executions another process drives', () => {
    const schema = freshSchema();
    let serverStore: PostgresStore;
    let workerStore: PostgresStore;
    let adapter: DurableAdapter;
    let worker: DurableEngine;
    let server: RunningServer;
    let api = '';

    beforeAll(async () => {
      serverStore = await openTestStore(schema);
      workerStore = await openTestStore(schema);
      const front = new DurableEngine({
        store: serverStore,
        env: {},
        worker: { name: 'front', runStarts: false },
      });
      adapter = new DurableAdapter(front);
      worker = new DurableEngine({ store: workerStore, env: {}, worker: { name: 'back' } });
      await worker.serve();
      server = await serve({
        engine: adapter,
        keys: new KeyRing(`/tmp/weft-none-${schema}.json`),
        hooks: new HookRegistry(),
        approvals: new ApprovalInbox(adapter, serverStore),
        host: '127.0.0.1',
        port: 0,
        streamLimits: { maxQueued: 1000, maxBufferedBytes: 1 << 20, tailMs: 50 },
      });
      api = `${server.url}/api/v1`;
      const r = await call(`${api}/workflows`, {
        method: 'POST',
        headers: { 'content-type': 'application/yaml' },
        body: `document: { dsl: '1.0.0', namespace: team-a, name: steps, version: '1.0.0' }
do:
  - nap: { wait: { milliseconds: 300 } }
  - one: { set: { a: 1 } }
  - nap2: { wait: { milliseconds: 100 } }
  - two: { set: { b: 2 } }
`,
      });
      expect(r.status).toBe(201);
    });

    afterAll(async () => {
      await server.close();
      await adapter.close();
      await worker.close();
      await serverStore.close();
      await workerStore.close();
      await dropSchema(schema);
    });

    it('sends every event the worker records, in order, then ends', async () => {
      const started = await call(
        `${api}/executions`,
        json({ workflow: { namespace: 'team-a', name: 'steps' } }),
      );
      expect(started.status).toBe(201);
      const id = started.body.id as string;
      const c = await open(`${api.replace('http', 'ws')}/executions/${id}/stream`);
      const { code } = await c.closed;
      expect(code).toBe(1000);
      const got = c.messages.filter((m) => m.kind === 'history').map((m) => m.seq);
      const stored = (await workerStore.loadHistory(id)).map((r) => r.seq);
      expect(got).toEqual(stored);
      expect(c.messages.at(-1)).toMatchObject({ kind: 'end', seq: stored.at(-1) });
      expect((await workerStore.getExecution(id))?.status).toEqual({
        state: 'completed',
        output: { b: 2 },
      });
    });
  });
});
