import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, json } from './contract.js';
import { startServer, type TestServer, until, waiterYaml } from './helpers.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
  await call(`${s.api}/workflows`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: waiterYaml(),
  });
});
afterAll(() => s.stop());

async function listening(): Promise<string> {
  const id = (
    await call(`${s.api}/executions`, json({ workflow: { namespace: 'team-a', name: 'waiter' } }))
  ).body.id as string;
  await until(async () => {
    const h = await call(`${s.api}/executions/${id}/history`);
    return (
      h.body.items.some((e: { event: { type: string } }) => e.event.type === 'ListenStarted') ||
      undefined
    );
  });
  return id;
}

const output = (id: string) =>
  until(async () => {
    const r = await call(`${s.api}/executions/${id}`);
    return r.body.status.state === 'completed' ? r.body.status.output : undefined;
  });

const event = (id: string, n: number) => ({
  specversion: '1.0',
  id,
  source: '/test',
  type: 'com.example.go',
  data: { n },
});

describe('POST /events', () => {
  it('completes a listen with a structured CloudEvent', async () => {
    const id = await listening();
    const r = await call(`${s.api}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(event('s-1', 1)),
    });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ accepted: 1, ids: ['s-1'] });
    expect(await output(id)).toEqual({ heard: 1 });
  });

  it('completes a listen with a binary-mode CloudEvent (ce-* headers, JSON data)', async () => {
    const id = await listening();
    const r = await call(`${s.api}/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': 'b-1',
        'ce-source': '/test',
        'ce-type': 'com.example.go',
      },
      body: JSON.stringify({ n: 2 }),
    });
    expect(r.status).toBe(202);
    expect(await output(id)).toEqual({ heard: 2 });
  });

  it('takes a batch and delivers each event', async () => {
    const [a, b] = [await listening(), await listening()];
    const r = await call(`${s.api}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify([event('x-1', 3), { ...event('x-2', 4), type: 'com.example.other' }]),
    });
    expect(r.body.accepted).toBe(2);
    // a `one` listen consumes one event: both executions heard the first matching one
    expect(await output(a)).toEqual({ heard: 3 });
    expect(await output(b)).toEqual({ heard: 3 });
  });

  it('refuses an event without its required attributes, naming them (400)', async () => {
    const r = await call(`${s.api}/events`, json({ specversion: '1.0', source: '/x' }));
    expect(r.status).toBe(400);
    expect(r.body.detail).toContain('/id');
    expect(r.body.detail).toContain('/type');
  });

  it('refuses a batch that is not an array and a body of an unknown type', async () => {
    const batch = await call(`${s.api}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify(event('z', 1)),
    });
    expect(batch.status).toBe(400);
    const plain = await call(`${s.api}/events`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(plain.status).toBe(415);
  });
});
