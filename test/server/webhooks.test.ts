import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../src/history/events.js';
import { verifyStandard } from '../../src/server/signatures.js';
import { call, json } from './contract.js';
import { startServer, type TestServer } from './helpers.js';

let s: TestServer;
let hook: { id: string; secret: string };
let published: CloudEvent[] = [];
beforeAll(async () => {
  s = await startServer();
  const publish = s.adapter.publishEvents.bind(s.adapter);
  s.adapter.publishEvents = (events) => {
    published.push(...events);
    return publish(events);
  };
  const r = await call(`${s.api}/hooks`, json({ namespace: 'team-a', type: 'com.example.push' }));
  expect(r.status).toBe(201);
  hook = r.body;
});
beforeEach(() => {
  published = [];
});
afterAll(() => s.stop());

const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', n: 1 }));
const key = (secret: string) => Buffer.from(secret.slice('whsec_'.length), 'base64');
const github = (b: Buffer, secret = hook.secret) =>
  'sha256=' + createHmac('sha256', key(secret)).update(b).digest('hex');
const standard = (id: string, ts: number, b: Buffer, secret = hook.secret) =>
  'v1,' + createHmac('sha256', key(secret)).update(`${id}.${ts}.`).update(b).digest('base64');
const now = () => Math.floor(Date.now() / 1000);
let n = 0;
const fresh = () => `msg_${++n}_${Math.random().toString(36).slice(2)}`;

function deliver(headers: Record<string, string>, b: Buffer = body, type = 'application/json') {
  return call(`${s.api}/hooks/${hook.id}`, {
    method: 'POST',
    headers: { 'content-type': type, ...headers },
    body: b,
  });
}

const std = (id: string, ts: number, signature: string) => ({
  'webhook-id': id,
  'webhook-timestamp': String(ts),
  'webhook-signature': signature,
});

describe('webhook deliveries', () => {
  it('turns a valid GitHub-signed delivery into one CloudEvent', async () => {
    const r = await deliver({
      'x-hub-signature-256': github(body),
      'x-github-delivery': fresh(),
      'x-github-event': 'push',
    });
    expect(r.status).toBe(202);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      type: 'com.example.push',
      data: { n: 1 },
      githubevent: 'push',
    });
  });

  it('accepts a valid Standard Webhooks delivery once and answers its replay with 409', async () => {
    const id = fresh();
    const ts = now();
    const first = await deliver(std(id, ts, standard(id, ts, body)));
    const replay = await deliver(std(id, ts, standard(id, ts, body)));
    expect([first.status, replay.status]).toEqual([202, 409]);
    expect(published.map((e) => e.id)).toEqual([id]);
  });

  it('accepts a rotation header where only one of the signatures is valid', async () => {
    const id = fresh();
    const ts = now();
    const other = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
    const r = await deliver(
      std(id, ts, `${standard(id, ts, body, other)} ${standard(id, ts, body)}`),
    );
    expect(r.status).toBe(202);
  });

  const forged: [string, () => Record<string, string>, Buffer?, string?][] = [
    [
      'a body tampered by one byte',
      () => ({ 'x-hub-signature-256': github(body) }),
      Buffer.from(body.toString().replace('1', '2')),
    ],
    [
      'a wrong secret',
      () => ({
        'x-hub-signature-256': github(body, 'whsec_' + Buffer.alloc(32).toString('base64')),
      }),
    ],
    ['a missing signature', () => ({})],
    ['a malformed GitHub header', () => ({ 'x-hub-signature-256': 'sha1=abc' })],
    ['a signature of another length', () => ({ 'x-hub-signature-256': github(body).slice(0, -2) })],
    [
      'a stale timestamp',
      () => {
        const id = fresh();
        const ts = now() - 301;
        return std(id, ts, standard(id, ts, body));
      },
    ],
    [
      'a future timestamp',
      () => {
        const id = fresh();
        const ts = now() + 301;
        return std(id, ts, standard(id, ts, body));
      },
    ],
    [
      'a malformed Standard signature',
      () => {
        const id = fresh();
        return std(id, now(), 'v2,abc');
      },
    ],
    [
      'a Standard signature of another length',
      () => {
        const id = fresh();
        return std(id, now(), 'v1,' + Buffer.alloc(16).toString('base64'));
      },
    ],
    [
      'a signature over another id',
      () => {
        const ts = now();
        return std(fresh(), ts, standard('other', ts, body));
      },
    ],
  ];
  for (const [what, headers, b] of forged) {
    it(`refuses ${what} with 401 and publishes nothing`, async () => {
      const r = await deliver(headers(), b ?? body);
      expect(r.status).toBe(401);
      expect(r.body.detail).toMatch(/signature|timestamp|required/);
      expect(published).toEqual([]);
    });
  }

  it('refuses a validly signed body sent as another content type (415) and publishes nothing', async () => {
    const r = await deliver(
      { 'x-hub-signature-256': github(body), 'x-github-delivery': fresh() },
      body,
      'text/plain',
    );
    expect(r.status).toBe(415);
    expect(published).toEqual([]);
  });

  it('refuses a signed form body that is declared as JSON (400)', async () => {
    const form = Buffer.from('payload=' + encodeURIComponent('{"n":1}'));
    const r = await deliver(
      { 'x-hub-signature-256': github(form), 'x-github-delivery': fresh() },
      form,
    );
    expect(r.status).toBe(400);
    expect(published).toEqual([]);
  });

  it('answers a delivery to an unknown hook with 404', async () => {
    const r = await call(`${s.api}/hooks/unknown`, json({}));
    expect(r.status).toBe(404);
  });

  it('lists hooks without secrets and deletes one', async () => {
    const extra = await call(`${s.api}/hooks`, json({ namespace: 'team-a', type: 'x' }));
    const list = await call(`${s.api}/hooks`);
    expect(list.body.items.some((h: { secret?: string }) => h.secret)).toBe(false);
    expect((await call(`${s.api}/hooks/${extra.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${s.api}/hooks/${extra.body.id}`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('verifyStandard', () => {
  it('accepts the edge of the 5-minute window and refuses one second past it', () => {
    const secret = 'whsec_' + Buffer.alloc(32, 1).toString('base64');
    const sig = (ts: number) => ({
      id: 'm',
      timestamp: String(ts),
      signature: standardWith(secret, 'm', ts),
    });
    expect(verifyStandard(body, sig(1000 - 300), [secret], 1000)).toEqual({ ok: true });
    expect(verifyStandard(body, sig(1000 - 301), [secret], 1000)).toEqual({
      ok: false,
      reason: 'webhook-timestamp is too old',
    });
  });
});

function standardWith(secret: string, id: string, ts: number) {
  return (
    'v1,' + createHmac('sha256', key(secret)).update(`${id}.${ts}.`).update(body).digest('base64')
  );
}
