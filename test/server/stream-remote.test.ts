// Streams of a server whose process does not drive the executions (several processes on
// PostgreSQL: the server only takes requests, a worker drives). What the worker records
// reaches the server through the store's history feed (NOTIFY), live: the execution
// stream and the firehose carry it in order and the execution stream ends with the
// execution. When the feed is silent (a notification lost while the database restarted),
// execution streams still get everything from their tail, which reads the store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DurableEngine } from '../../src/runtime/durable/engine.js';
import { ApprovalInbox } from '../../src/server/approvals.js';
import { DurableAdapter } from '../../src/server/durable-adapter.js';
import { KeyRing } from '../../src/server/keys.js';
import { type RunningServer, serve } from '../../src/server/serve.js';
import { HookRegistry } from '../../src/server/webhooks.js';
import type { PostgresStore, Store } from '../../src/store/index.js';
import {
  describePg,
  dropSchema,
  freshSchema,
  openTestStore,
  pgUnavailable,
} from '../store/pg-helpers.js';
import { call, json } from './contract.js';
import { until } from './helpers.js';
import { closedWithin, open } from './ws-client.js';

const reason = await pgUnavailable();

const stepsYaml = `document: { dsl: '1.0.0', namespace: team-a, name: steps, version: '1.0.0' }
do:
  - nap: { wait: { milliseconds: 300 } }
  - one: { set: { a: 1 } }
  - nap2: { wait: { milliseconds: 100 } }
  - two: { set: { b: 2 } }
`;

/** A server in front (it drives nothing) and a worker, on one fresh schema. */
function frontAndWorker(options: { feed: boolean; tailMs: number }) {
  const schema = freshSchema();
  const s = {} as {
    serverStore: PostgresStore;
    workerStore: PostgresStore;
    adapter: DurableAdapter;
    worker: DurableEngine;
    server: RunningServer;
    api: string;
    ws: string;
  };
  beforeAll(async () => {
    s.serverStore = await openTestStore(schema);
    s.workerStore = await openTestStore(schema);
    // without the feed: the same store, its onHistory hidden (as if every NOTIFY was lost)
    const store: Store = options.feed
      ? s.serverStore
      : new Proxy(s.serverStore, {
          get(target, key) {
            if (key === 'onHistory') return undefined;
            const value: unknown = Reflect.get(target, key, target);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
    const front = new DurableEngine({
      store,
      env: {},
      worker: { name: 'front', runStarts: false },
    });
    s.adapter = new DurableAdapter(front);
    s.worker = new DurableEngine({ store: s.workerStore, env: {}, worker: { name: 'back' } });
    await s.worker.serve();
    s.server = await serve({
      engine: s.adapter,
      keys: new KeyRing(`/tmp/weft-none-${schema}.json`),
      hooks: new HookRegistry(),
      approvals: new ApprovalInbox(s.adapter, s.serverStore),
      host: '127.0.0.1',
      port: 0,
      streamLimits: { maxQueued: 1000, maxBufferedBytes: 1 << 20, tailMs: options.tailMs },
    });
    s.api = `${s.server.url}/api/v1`;
    s.ws = s.api.replace('http', 'ws');
    const r = await call(`${s.api}/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: stepsYaml,
    });
    expect(r.status).toBe(201);
  });
  afterAll(async () => {
    await s.server.close();
    await s.adapter.close();
    await s.worker.close();
    await s.serverStore.close();
    await s.workerStore.close();
    await dropSchema(schema);
  });
  return s;
}

async function startSteps(api: string): Promise<string> {
  const r = await call(
    `${api}/executions`,
    json({ workflow: { namespace: 'team-a', name: 'steps' } }),
  );
  expect(r.status).toBe(201);
  return r.body.id as string;
}

describePg('streams of executions another process drives', reason, () => {
  describe('through the store history feed', () => {
    // a tail far beyond the test: whatever arrives, arrives through the feed
    const s = frontAndWorker({ feed: true, tailMs: 60_000 });

    it('sends every event the worker records, in order, then ends', async () => {
      const id = await startSteps(s.api);
      const c = await open(`${s.ws}/executions/${id}/stream`);
      expect((await closedWithin(c, 10_000)).code).toBe(1000);
      const got = c.messages.filter((m) => m.kind === 'history').map((m) => m.seq);
      const stored = (await s.workerStore.loadHistory(id)).map((r) => r.seq);
      expect(got).toEqual(stored);
      expect(c.messages.at(-1)).toMatchObject({ kind: 'end', seq: stored.at(-1) });
      expect((await s.workerStore.getExecution(id))?.status).toEqual({
        state: 'completed',
        output: { b: 2 },
      });
    });

    it('carries them on the firehose too', async () => {
      const firehose = await open(`${s.ws}/stream?namespace=team-a`);
      const other = await open(`${s.ws}/stream?namespace=team-b`);
      const ids = [await startSteps(s.api), await startSteps(s.api), await startSteps(s.api)];
      const ended = async () =>
        ids.every((id) =>
          firehose.messages.some(
            (m) => m.executionId === id && m.event?.type === 'ExecutionCompleted',
          ),
        ) || undefined;
      await until(ended, 1000);
      // every event of each, from ExecutionStarted on, in order, once: what the worker stored
      for (const id of ids) {
        const got = firehose.messages
          .filter((m) => m.kind === 'history' && m.executionId === id)
          .map((m) => m.seq);
        expect(got).toEqual((await s.workerStore.loadHistory(id)).map((r) => r.seq));
      }
      expect(new Set(firehose.messages.map((m) => m.executionId))).toEqual(new Set(ids));
      expect(other.messages).toEqual([]); // another namespace's firehose: nothing of these
      firehose.ws.close();
      other.ws.close();
    });
  });

  describe('when the feed is silent', () => {
    const s = frontAndWorker({ feed: false, tailMs: 50 });

    it('execution streams still get every event from the store, then end', async () => {
      const id = await startSteps(s.api);
      const c = await open(`${s.ws}/executions/${id}/stream`);
      expect((await closedWithin(c, 10_000)).code).toBe(1000);
      const got = c.messages.filter((m) => m.kind === 'history').map((m) => m.seq);
      expect(got).toEqual((await s.workerStore.loadHistory(id)).map((r) => r.seq));
    });
  });
});
