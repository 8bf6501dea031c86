// The same server over the in-memory embeddable Engine (src/server/adapter.ts + tap.ts):
// idempotent starts, history, and a stream that resumes without a gap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, json } from './contract.js';
import { startServer, type TestServer, until, waiterYaml } from './helpers.js';
import { open } from './ws-client.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ memoryEngine: true });
  await call(`${s.api}/workflows`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: waiterYaml(),
  });
});
afterAll(() => s.stop());

const start = (key: string, input: object = {}) =>
  call(
    `${s.api}/executions`,
    json({ workflow: { namespace: 'team-a', name: 'waiter' }, input }, { 'idempotency-key': key }),
  );

describe('the server over the in-memory engine', () => {
  it('starts once per idempotency key, 422 for other input', async () => {
    const [a, b] = await Promise.all([start('m-1'), start('m-1')]);
    expect(new Set([a.status, b.status])).toEqual(new Set([200, 201]));
    expect(a.body.id).toBe(b.body.id);
    expect((await start('m-1', { other: true })).status).toBe(422);
  });

  it('streams an execution to its end; a resumed stream completes it without a gap', async () => {
    const id = (await start('m-2')).body.id as string;
    const first = await open(`${s.url.replace('http', 'ws')}/api/v1/executions/${id}/stream`);
    const early = (await first.next(1)).filter((m) => m.kind === 'history');
    first.ws.close();
    await until(async () => {
      const h = await call(`${s.api}/executions/${id}/history`);
      return (
        h.body.items.some((e: { event: { type: string } }) => e.event.type === 'ListenStarted') ||
        undefined
      );
    });
    await call(
      `${s.api}/events`,
      json({ specversion: '1.0', id: 'm', source: '/t', type: 'com.example.go', data: { n: 1 } }),
    );
    const second = await open(
      `${s.url.replace('http', 'ws')}/api/v1/executions/${id}/stream?after=${early.at(-1)!.seq}`,
    );
    await second.closed;
    const seqs = [...early, ...second.messages.filter((m) => m.kind === 'history')].map(
      (m) => m.seq,
    );
    const stored = (await call(`${s.api}/executions/${id}/history`)).body.items.map(
      (e: { seq: number }) => e.seq,
    );
    expect(seqs).toEqual(stored);
    expect(second.messages.at(-1)?.kind).toBe('end');
  });
});
