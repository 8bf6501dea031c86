import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, json } from './contract.js';
import { startServer, type TestServer, until, waiterYaml } from './helpers.js';
import { open, type Message } from './ws-client.js';

let s: TestServer;
const ws = () => s.url.replace('http', 'ws') + '/api/v1';
beforeAll(async () => {
  s = await startServer();
  for (const body of [waiterYaml('team-a'), waiterYaml('team-b')])
    await call(`${s.api}/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body,
    });
});
afterAll(() => s.stop());

const start = async (namespace = 'team-a') =>
  (await call(`${s.api}/executions`, json({ workflow: { namespace, name: 'waiter' } }))).body
    .id as string;

/** Waits until the execution's listen is registered, then sends the event it waits for. */
async function release(id: string, n: number) {
  await until(async () => {
    const h = await call(`${s.api}/executions/${id}/history`);
    return (
      h.body.items.some((e: { event: { type: string } }) => e.event.type === 'ListenStarted') ||
      undefined
    );
  });
  const r = await call(
    `${s.api}/events`,
    json({
      specversion: '1.0',
      id: `go-${id}`,
      source: '/test',
      type: 'com.example.go',
      data: { n },
    }),
  );
  expect(r.status).toBe(202);
}

const history = (ms: Message[]) => ms.filter((m) => m.kind === 'history');
const fullHistory = async (id: string) =>
  (await call(`${s.api}/executions/${id}/history`)).body.items.map(
    (e: { seq: number; event: { type: string } }) => [e.seq, e.event.type],
  );

describe('execution streams', () => {
  it('sends every event of a running execution in order, with lifecycle CloudEvents, then ends', async () => {
    const id = await start();
    const c = await open(`${ws()}/executions/${id}/stream`);
    await release(id, 7);
    const { code } = await c.closed;
    expect(code).toBe(1000);
    const got = history(c.messages).map((m) => [m.seq, m.event!.type]);
    expect(got).toEqual(await fullHistory(id));
    expect(got.map(([seq]) => seq)).toEqual(got.map((_, i) => i + 1));
    const lifecycle = c.messages
      .filter((m) => m.kind === 'lifecycle')
      .map((m) => m.cloudevent!.type);
    expect(lifecycle[0]).toBe('io.serverlessworkflow.workflow.started.v1');
    expect(lifecycle).toContain('io.serverlessworkflow.task.started.v1');
    expect(lifecycle.at(-1)).toBe('io.serverlessworkflow.workflow.completed.v1');
    expect(c.messages.at(-1)).toMatchObject({ kind: 'end', executionId: id });
  });

  it('resumes with after=SEQ without losing or repeating an event', async () => {
    const id = await start();
    const first = await open(`${ws()}/executions/${id}/stream`);
    const early = history(await first.next(2));
    first.ws.close();
    await first.closed;
    const last = early.at(-1)!.seq;
    await release(id, 8);
    const second = await open(`${ws()}/executions/${id}/stream?after=${last}`);
    await second.closed;
    const all = [...early, ...history(second.messages)].map((m) => [m.seq, m.event!.type]);
    expect(all).toEqual(await fullHistory(id));
    expect(second.messages.at(-1)).toMatchObject({ kind: 'end', executionId: id });
  });

  it('closes a socket that falls behind its bound with 4001 and the seq to resume after', async () => {
    const small = await startServer({ streamLimits: { maxQueued: 0, maxBufferedBytes: 1 << 20 } });
    try {
      await call(`${small.api}/workflows`, {
        method: 'POST',
        headers: { 'content-type': 'application/yaml' },
        body: waiterYaml(),
      });
      const r = await call(
        `${small.api}/executions`,
        json({ workflow: { namespace: 'team-a', name: 'waiter' } }),
      );
      const c = await open(
        `${small.url.replace('http', 'ws')}/api/v1/executions/${r.body.id}/stream`,
      );
      const closed = await c.closed;
      expect(closed).toEqual({ code: 4001, reason: 'reconnect with after=0' });
    } finally {
      await small.stop();
    }
  });

  it('takes the key from ?access_token= as browsers cannot set headers', async () => {
    const id = await start(); // before the key exists: no key needed yet
    const token = s.keys.create('operator', ['team-a']).token;
    try {
      await expect(open(`${ws()}/executions/${id}/stream`)).rejects.toThrow('refused: 401');
      const c = await open(`${ws()}/executions/${id}/stream?access_token=${token}`);
      expect((await c.next(1))[0]).toMatchObject({ kind: 'history', seq: 1 });
      c.ws.close();
      await call(`${s.api}/executions/${id}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
    } finally {
      for (const k of s.keys.list()) s.keys.revoke(k.id);
    }
  });

  it('refuses a stream of an unknown execution before the upgrade (404)', async () => {
    await expect(open(`${ws()}/executions/nope/stream`)).rejects.toThrow('refused: 404');
  });
});

describe('the firehose', () => {
  it('streams only the executions of the namespace asked for', async () => {
    const c = await open(`${ws()}/stream?namespace=team-b`);
    const a = await start('team-a');
    const b = await start('team-b');
    await release(a, 1);
    await release(b, 2);
    await until(
      async () => c.messages.some((m) => m.event?.type === 'ExecutionCompleted') || undefined,
    );
    expect(new Set(c.messages.map((m) => m.executionId))).toEqual(new Set([b]));
    // every event of b, from ExecutionStarted (seq 1) on, in order
    const seqs = c.messages.filter((m) => m.kind === 'history').map((m) => m.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    c.ws.close();
  });
});
