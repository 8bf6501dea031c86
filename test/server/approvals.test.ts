import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalInbox } from '../../src/server/approvals.js';
import { call, json } from './contract.js';
import { humanYaml, startServer, type TestServer, until } from './helpers.js';

let s: TestServer;
let admin: string;
let reader: string;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
beforeAll(async () => {
  s = await startServer();
  admin = s.keys.create('admin', ['team-a']).token;
  reader = s.keys.create('reader', ['team-a']).token;
  const r = await call(`${s.api}/workflows`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml', ...auth(admin) },
    body: humanYaml(),
  });
  expect(r.status).toBe(201);
});
afterAll(() => s.stop());

async function waitingApproval(): Promise<{ executionId: string; id: string }> {
  const e = await call(
    `${s.api}/executions`,
    json({ workflow: { namespace: 'team-a', name: 'refund' } }, auth(admin)),
  );
  const id = await until(async () => {
    const inbox = await call(`${s.api}/approvals`, { headers: auth(reader) });
    return inbox.body.items.find((a: { executionId: string }) => a.executionId === e.body.id)
      ?.id as string | undefined;
  });
  return { executionId: e.body.id, id };
}

describe('human tasks', () => {
  it('waits in the inbox, refuses a wrong role and an invalid answer, resumes on a valid one, then 409', async () => {
    const { executionId, id } = await waitingApproval();
    const inbox = await call(`${s.api}/approvals?namespace=team-a`, { headers: auth(reader) });
    expect(inbox.body.items.find((a: { id: string }) => a.id === id)).toMatchObject({
      title: 'Approve the refund',
      taskId: '/do/0/approve',
      state: 'open',
    });
    const wrongRole = await call(
      `${s.api}/approvals/${id}`,
      json({ answer: { ok: true } }, auth(reader)),
    );
    expect(wrongRole.status).toBe(403);
    const invalid = await call(
      `${s.api}/approvals/${id}`,
      json({ answer: { ok: 'yes', note: 'x'.repeat(30) } }, auth(admin)),
    );
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      '/note',
      '/ok',
    ]);
    const ok = await call(`${s.api}/approvals/${id}`, json({ answer: { ok: true } }, auth(admin)));
    expect(ok.status).toBe(202);
    expect(ok.body).toMatchObject({ state: 'answered', answer: { ok: true } });
    const done = await until(async () => {
      const r = await call(`${s.api}/executions/${executionId}`, { headers: auth(reader) });
      return r.body.status.state === 'completed' ? r.body.status : undefined;
    });
    const keyId = admin.slice(5, 13);
    expect(done.output).toEqual({ ok: true, by: keyId });
    const twice = await call(
      `${s.api}/approvals/${id}`,
      json({ answer: { ok: false } }, auth(admin)),
    );
    expect(twice.status).toBe(409);
    expect(twice.body.detail).toContain(`answered already by ${keyId}`);
  });

  it('rebuilds the inbox of waiting executions from the store (a restart)', async () => {
    const { id } = await waitingApproval();
    const fresh = new ApprovalInbox(s.adapter, s.store);
    try {
      expect(fresh.open().map((a) => a.id)).not.toContain(id);
      await fresh.rebuild();
      expect(fresh.open().find((a) => a.id === id)).toMatchObject({
        title: 'Approve the refund',
        state: 'open',
      });
    } finally {
      fresh.close();
    }
  });

  it('answers 409 once the execution ended without an answer, and 404 for an unknown approval', async () => {
    const { executionId, id } = await waitingApproval();
    await call(`${s.api}/executions/${executionId}/cancel`, {
      method: 'POST',
      headers: auth(admin),
    });
    await until(async () =>
      (await call(`${s.api}/approvals`, { headers: auth(reader) })).body.items.some(
        (a: { id: string }) => a.id === id,
      )
        ? undefined
        : true,
    );
    const late = await call(
      `${s.api}/approvals/${id}`,
      json({ answer: { ok: true } }, auth(admin)),
    );
    expect(late.status).toBe(409);
    expect(late.body.detail).toContain('closed');
    expect((await call(`${s.api}/approvals/nope`, json({ answer: {} }, auth(admin)))).status).toBe(
      404,
    );
  });
});

/** A refund that first waits for its request event, then for a human's approval. */
const laterYaml = `document:
  dsl: '1.0.0'
  namespace: team-a
  name: refund-later
  version: '1.0.0'
do:
  - requested:
      listen:
        to:
          one:
            with:
              type: com.example.refund.requested
  - approve:
      listen:
        to:
          one:
            with:
              type: com.example.refund.approval
      metadata:
        weft:
          human:
            title: Approve the refund
  - decide:
      set:
        ok: \${ .[0].answer.ok }
        by: \${ .[0].answeredBy }
`;

describe('human tasks: the answer sent before the task is reached', () => {
  it('completes the task with an event POSTed before its listen started (kept in the events log)', async () => {
    const ops = s.keys.create('operator', '*').token;
    expect(
      (
        await call(`${s.api}/workflows`, {
          method: 'POST',
          headers: { 'content-type': 'application/yaml', ...auth(admin) },
          body: laterYaml,
        })
      ).status,
    ).toBe(201);
    const e = await call(
      `${s.api}/executions`,
      json({ workflow: { namespace: 'team-a', name: 'refund-later' } }, auth(admin)),
    );
    const executionId = e.body.id as string;
    const listens = async () =>
      (
        await call(`${s.api}/executions/${executionId}/history`, { headers: auth(reader) })
      ).body.items.filter((r: { event: { type: string } }) => r.event.type === 'ListenStarted')
        .length as number;
    await until(async () => ((await listens()) === 1 ? true : undefined));
    const send = (event: object) =>
      call(`${s.api}/events`, json({ specversion: '1.0', source: '/mail', ...event }, auth(ops)));
    const answer = await send({
      id: 'mail-1',
      type: 'com.example.refund.approval',
      data: { answer: { ok: true }, answeredBy: 'mail-gateway' },
    });
    expect(answer.status).toBe(202);
    // the human task is not reached yet: only the first listen started
    expect(await listens()).toBe(1);
    expect((await send({ id: 'req-1', type: 'com.example.refund.requested' })).status).toBe(202);
    const done = await until(async () => {
      const r = await call(`${s.api}/executions/${executionId}`, { headers: auth(reader) });
      return r.body.status.state === 'completed' ? r.body.status : undefined;
    });
    expect(done.output).toEqual({ ok: true, by: 'mail-gateway' });
  });
});
