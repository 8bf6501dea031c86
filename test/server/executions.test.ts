import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/index.js';
import { call, json } from './contract.js';
import { helloYaml, startServer, type TestServer, until, waiterYaml } from './helpers.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
  for (const body of [helloYaml, waiterYaml()]) {
    const r = await call(`${s.api}/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body,
    });
    expect(r.status).toBe(201);
  }
});
afterAll(() => s.stop());

const hello = (name: string) => ({
  workflow: { namespace: 'team-a', name: 'hello' },
  input: { name },
});
const ended = (id: string) =>
  until(async () => {
    const r = await call(`${s.api}/executions/${id}`);
    return r.body.status.state === 'running' ? undefined : r.body;
  });

describe('executions', () => {
  it('starts an execution (201, Location) and reports its output', async () => {
    const r = await call(`${s.api}/executions`, json(hello('ada')));
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`/api/v1/executions/${r.body.id}`);
    const done = await ended(r.body.id);
    expect(done.status).toEqual({ state: 'completed', output: { greeting: 'hello ada' } });
  });

  it('returns the same execution with 200 for a repeated Idempotency-Key', async () => {
    const h = { 'idempotency-key': 'order-17' };
    const first = await call(`${s.api}/executions`, json(hello('bob'), h));
    const second = await call(`${s.api}/executions`, json(hello('bob'), h));
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body.id).toBe(first.body.id);
  });

  it('answers the same Idempotency-Key with another body with 422', async () => {
    const h = { 'idempotency-key': 'order-18' };
    await call(`${s.api}/executions`, json(hello('cy'), h));
    const r = await call(`${s.api}/executions`, json(hello('dee'), h));
    expect(r.status).toBe(422);
    expect(r.body.detail).toContain('order-18');
  });

  it('creates one execution for 1,000 concurrent duplicate starts with one key', async () => {
    const h = { 'idempotency-key': 'storm' };
    const all = await Promise.all(
      Array.from({ length: 1000 }, () => call(`${s.api}/executions`, json(hello('storm'), h))),
    );
    const ids = new Set(all.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    expect(all.filter((r) => r.status === 201)).toHaveLength(1);
    expect(all.filter((r) => r.status === 200)).toHaveLength(999);
    const page = await call(`${s.api}/executions?namespace=team-a&workflow=hello&limit=1000`);
    const storms = page.body.items.filter(
      (e: { idempotencyKey?: string }) => e.idempotencyKey === 'storm',
    );
    expect(storms).toHaveLength(1);
  });

  it('answers a start of an unknown workflow with 404 and a malformed body with 400', async () => {
    const r = await call(
      `${s.api}/executions`,
      json({ workflow: { namespace: 'team-a', name: 'ghost' } }),
    );
    expect(r.status).toBe(404);
    expect(r.body.detail).toContain('team-a/ghost');
    const bad = await call(`${s.api}/executions`, json({ workflow: { namespace: 'team-a' } }));
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('/workflow/name');
  });

  it('lists executions by status and workflow with cursor pagination', async () => {
    for (const n of ['p1', 'p2', 'p3'])
      await ended((await call(`${s.api}/executions`, json(hello(n)))).body.id);
    const first = await call(`${s.api}/executions?workflow=hello&status=completed&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toBeDefined();
    const next = await call(
      `${s.api}/executions?workflow=hello&status=completed&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    const ids = [...first.body.items, ...next.body.items].map((e: { id: string }) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const none = await call(`${s.api}/executions?workflow=hello&until=2000-01-01T00:00:00Z`);
    expect(none.body.items).toEqual([]);
    const bad = await call(`${s.api}/executions?status=sleeping`);
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('sleeping');
  });

  it('serves the history in order, after a sequence number', async () => {
    const r = await call(`${s.api}/executions`, json(hello('hist')));
    await ended(r.body.id);
    const all = await call(`${s.api}/executions/${r.body.id}/history`);
    expect(all.body.items.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
    expect(all.body.items[0].event.type).toBe('ExecutionStarted');
    const after = await call(`${s.api}/executions/${r.body.id}/history?after=1`);
    expect(after.body.items.map((e: { event: { type: string } }) => e.event.type)).toEqual([
      'ExecutionCompleted',
    ]);
  });

  it('cancels a running execution, and refuses to cancel it twice (409)', async () => {
    const r = await call(
      `${s.api}/executions`,
      json({ workflow: { namespace: 'team-a', name: 'waiter' } }),
    );
    const cancelled = await call(
      `${s.api}/executions/${r.body.id}/cancel`,
      json({ reason: 'no longer needed' }),
    );
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status.state).toBe('cancelled');
    const again = await call(`${s.api}/executions/${r.body.id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
  });

  it('terminates a running execution at once, refuses it twice (409) and a bad body (400)', async () => {
    const r = await call(
      `${s.api}/executions`,
      json({ workflow: { namespace: 'team-a', name: 'waiter' } }),
    );
    const bad = await call(`${s.api}/executions/${r.body.id}/terminate`, json({ reason: 7 }));
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('/reason');
    const terminated = await call(
      `${s.api}/executions/${r.body.id}/terminate`,
      json({ reason: 'stuck' }),
    );
    expect(terminated.status).toBe(200);
    expect(terminated.body.status).toEqual({ state: 'cancelled', reason: 'stuck' });
    const history = await call(`${s.api}/executions/${r.body.id}/history`);
    expect(history.body.items.at(-1).event).toMatchObject({
      type: 'ExecutionCancelled',
      terminated: true,
      reason: 'stuck',
    });
    const again = await call(`${s.api}/executions/${r.body.id}/terminate`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain('cancelled');
  });

  it('suspends and resumes a running execution, refusing each twice (409)', async () => {
    const r = await call(
      `${s.api}/executions`,
      json({ workflow: { namespace: 'team-a', name: 'waiter' } }),
    );
    const id = r.body.id;
    const suspended = await call(`${s.api}/executions/${id}/suspend`, { method: 'POST' });
    expect(suspended.status).toBe(200);
    expect(suspended.body.status.state).toBe('suspended');
    expect((await call(`${s.api}/executions/${id}/suspend`, { method: 'POST' })).status).toBe(409);
    const resumed = await call(`${s.api}/executions/${id}/resume`, { method: 'POST' });
    expect(resumed.body.status.state).toBe('running');
    const again = await call(`${s.api}/executions/${id}/resume`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain('running');
    await call(`${s.api}/executions/${id}/cancel`, { method: 'POST' });
  });

  it('answers 404 for an unknown execution on every execution route', async () => {
    expect((await call(`${s.api}/executions/nope`)).status).toBe(404);
    expect((await call(`${s.api}/executions/nope/history`)).status).toBe(404);
    for (const verb of ['cancel', 'terminate', 'suspend', 'resume'])
      expect((await call(`${s.api}/executions/nope/${verb}`, { method: 'POST' })).status).toBe(404);
  });

  it('answers the health probe', async () => {
    const r = await call(`${s.api}/health`);
    expect(r.body).toEqual({ status: 'ok', version: '0.1.0' });
  });
});

describe('resume of a parked execution', () => {
  it('runs it again from its history, and refuses an execution that is neither parked nor suspended', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-server-parked-'));
    try {
      let server = await startServer({}, { dir });
      await call(`${server.api}/workflows`, {
        method: 'POST',
        headers: { 'content-type': 'application/yaml' },
        body: waiterYaml(),
      });
      const r = await call(
        `${server.api}/executions`,
        json({ workflow: { namespace: 'team-a', name: 'waiter' } }),
      );
      await server.stop();
      // five recoveries that died before making progress: the next one parks it
      const store = openSqliteStore({ path: join(dir, 'weft.db') });
      for (let i = 0; i < 5; i++) await store.noteRecoveryAttempt(r.body.id, Date.now());
      await store.close();

      server = await startServer({}, { dir });
      // the worker `weft serve` runs: its recovery parks the execution
      expect(await server.engine.serve()).toEqual({ resumed: [], parked: [r.body.id] });
      const parked = await call(`${server.api}/executions/${r.body.id}`);
      expect(parked.body.status).toMatchObject({ state: 'parked', reason: 'dead-letter' });
      const resumed = await call(`${server.api}/executions/${r.body.id}/resume`, {
        method: 'POST',
      });
      expect(resumed.status).toBe(200);
      expect(resumed.body.status).toEqual({ state: 'running' });
      // it listens again: an event completes it (a listen looks back on events stored
      // since its execution started, so the event may come before the listen is back)
      const sent = await call(
        `${server.api}/events`,
        json({
          specversion: '1.0',
          id: 'go-1',
          source: 'test',
          type: 'com.example.go',
          data: { n: 7 },
        }),
      );
      expect(sent.status).toBe(202);
      const done = await until(async () => {
        const e = await call(`${server.api}/executions/${r.body.id}`);
        return e.body.status.state === 'running' ? undefined : e.body;
      });
      expect(done.status).toEqual({ state: 'completed', output: { heard: 7 } });
      const again = await call(`${server.api}/executions/${r.body.id}/resume`, { method: 'POST' });
      expect(again.status).toBe(409);
      expect(again.body.detail).toContain('completed');
      await server.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
