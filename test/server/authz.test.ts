// The authorization matrix: every route and stream x every role x own and foreign
// namespace, each cell checked against the policy table in docs/api.md (parsed here, so
// the table and the server cannot drift apart).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/server/keys.js';
import { call, json } from './contract.js';
import { humanYaml, startServer, type TestServer, until, waiterYaml } from './helpers.js';
import { open } from './ws-client.js';

interface Rule {
  route: string;
  role: Role | 'none';
  namespace: string;
}

const table: Rule[] = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8')
  .split('\n')
  .map((l) => /^\| `([A-Z]+ [^`]+)` \| (\w+) \| ([^|]+) \|$/.exec(l))
  .filter((m) => m !== null)
  .map((m) => ({ route: m[1]!, role: m[2] as Role | 'none', namespace: m[3]!.trim() }));

const rank = { none: -1, reader: 0, operator: 1, admin: 2 };
const roles: Role[] = ['reader', 'operator', 'admin'];
type Ns = 'team-a' | 'team-b';

let s: TestServer;
let root: string;
const tokens = new Map<Role, string>();
const executions: Record<Ns, string> = { 'team-a': '', 'team-b': '' };
const hooks: Record<Ns, string> = { 'team-a': '', 'team-b': '' };
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

async function startIn(ns: Ns): Promise<string> {
  const r = await call(
    `${s.api}/executions`,
    json({ workflow: { namespace: ns, name: 'waiter' } }, auth(root)),
  );
  return r.body.id;
}

/** Sends the request of `route` concerning namespace `ns` with key `t`; returns the status. */
const cells: Record<string, (t: string, ns: Ns) => Promise<number>> = {
  'GET /health': async (t) => (await call(`${s.api}/health`, { headers: auth(t) })).status,
  'GET /openapi.json': async (t) =>
    (await fetch(`${s.api}/openapi.json`, { headers: auth(t) })).status,
  'POST /workflows': async (t, ns) =>
    (
      await call(`${s.api}/workflows`, {
        method: 'POST',
        headers: { 'content-type': 'application/yaml', ...auth(t) },
        body: waiterYaml(ns),
      })
    ).status,
  'GET /workflows': async (t, ns) =>
    (await call(`${s.api}/workflows?namespace=${ns}`, { headers: auth(t) })).status,
  'GET /workflows/{namespace}/{name}': async (t, ns) =>
    (await call(`${s.api}/workflows/${ns}/waiter`, { headers: auth(t) })).status,
  'GET /workflows/{namespace}/{name}/{version}': async (t, ns) =>
    (await call(`${s.api}/workflows/${ns}/waiter/1.0.0`, { headers: auth(t) })).status,
  'POST /executions': async (t, ns) =>
    (
      await call(
        `${s.api}/executions`,
        json({ workflow: { namespace: ns, name: 'waiter' } }, auth(t)),
      )
    ).status,
  'GET /executions': async (t, ns) =>
    (await call(`${s.api}/executions?namespace=${ns}`, { headers: auth(t) })).status,
  'GET /executions/{id}': async (t, ns) =>
    (await call(`${s.api}/executions/${executions[ns]}`, { headers: auth(t) })).status,
  'GET /executions/{id}/history': async (t, ns) =>
    (await call(`${s.api}/executions/${executions[ns]}/history`, { headers: auth(t) })).status,
  'POST /executions/{id}/cancel': async (t, ns) =>
    (
      await call(`${s.api}/executions/${await startIn(ns)}/cancel`, {
        method: 'POST',
        headers: auth(t),
      })
    ).status,
  'POST /executions/{id}/terminate': async (t, ns) =>
    (
      await call(`${s.api}/executions/${await startIn(ns)}/terminate`, {
        method: 'POST',
        headers: auth(t),
      })
    ).status,
  'POST /executions/{id}/suspend': async (t, ns) =>
    (
      await call(`${s.api}/executions/${executions[ns]}/suspend`, {
        method: 'POST',
        headers: auth(t),
      })
    ).status,
  'POST /executions/{id}/resume': async (t, ns) =>
    (
      await call(`${s.api}/executions/${executions[ns]}/resume`, {
        method: 'POST',
        headers: auth(t),
      })
    ).status,
  'POST /events': async (t, ns) =>
    (
      await call(
        `${s.api}/events`,
        json({ specversion: '1.0', id: 'e', source: `/${ns}`, type: 'nobody.listens' }, auth(t)),
      )
    ).status,
  'POST /hooks': async (t, ns) =>
    (await call(`${s.api}/hooks`, json({ namespace: ns, type: 'x' }, auth(t)))).status,
  'GET /hooks': async (t) => (await call(`${s.api}/hooks`, { headers: auth(t) })).status,
  'DELETE /hooks/{id}': async (t, ns) => {
    const made = await call(`${s.api}/hooks`, json({ namespace: ns, type: 'x' }, auth(root)));
    return (await call(`${s.api}/hooks/${made.body.id}`, { method: 'DELETE', headers: auth(t) }))
      .status;
  },
  // an unsigned delivery: 401 from the signature check, never from the key
  'POST /hooks/{id}': async (t, ns) =>
    (await call(`${s.api}/hooks/${hooks[ns]}`, json({}, auth(t)))).status,
  'GET /approvals': async (t, ns) =>
    (await call(`${s.api}/approvals?namespace=${ns}`, { headers: auth(t) })).status,
  'POST /approvals/{id}': async (t, ns) =>
    (
      await call(
        `${s.api}/approvals/${await approvalIn(ns)}`,
        json({ answer: { ok: true } }, auth(t)),
      )
    ).status,
  'WS /executions/{id}/stream': (t, ns) => upgrade(`/executions/${executions[ns]}/stream`, t),
  'WS /stream': (t, ns) => upgrade(`/stream?namespace=${ns}`, t),
};

/** A fresh open approval in `ns` (a refund execution waiting for its human task). */
async function approvalIn(ns: Ns): Promise<string> {
  const e = await call(
    `${s.api}/executions`,
    json({ workflow: { namespace: ns, name: 'refund' } }, auth(root)),
  );
  return until(async () => s.approvals.open().find((a) => a.executionId === e.body.id)?.id);
}

async function upgrade(path: string, t: string): Promise<number> {
  try {
    const c = await open(s.url.replace('http', 'ws') + '/api/v1' + path, auth(t));
    c.ws.close();
    return 101;
  } catch (e) {
    return Number(/refused: (\d+)/.exec(String(e))?.[1] ?? 0);
  }
}

beforeAll(async () => {
  s = await startServer();
  root = s.keys.create('admin', '*').token;
  for (const r of roles) tokens.set(r, s.keys.create(r, ['team-a']).token);
  for (const ns of ['team-a', 'team-b'] as const) {
    await call(`${s.api}/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml', ...auth(root) },
      body: waiterYaml(ns),
    });
    await call(`${s.api}/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml', ...auth(root) },
      body: humanYaml(ns),
    });
    executions[ns] = await startIn(ns);
    hooks[ns] = (
      await call(`${s.api}/hooks`, json({ namespace: ns, type: 'x' }, auth(root)))
    ).body.id;
  }
});
afterAll(() => s.stop());

describe('the policy table', () => {
  it('lists every route of the OpenAPI document and both streams', async () => {
    const doc = (await (await fetch(`${s.api}/openapi.json`)).json()) as {
      paths: Record<string, object>;
    };
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(table.map((r) => r.route).sort()).toEqual(
      [...routes, 'GET /openapi.json', 'WS /executions/{id}/stream', 'WS /stream'].sort(),
    );
    expect(Object.keys(cells).sort()).toEqual(table.map((r) => r.route).sort());
  });
});

describe('the authorization matrix', () => {
  for (const rule of table) {
    for (const role of roles) {
      for (const ns of ['team-a', 'team-b'] as const) {
        const own = ns === 'team-a';
        const public_ = rule.namespace.startsWith('public');
        const allowed =
          public_ ||
          (rank[role] >= rank[rule.role] &&
            (rule.namespace === 'filtered' || (own && rule.namespace !== 'all')));
        it(`${rule.route} as ${role} of team-a in ${own ? 'its own' : 'a foreign'} namespace: ${allowed ? 'allowed' : '403'}`, async () => {
          const status = await cells[rule.route]!(tokens.get(role)!, ns);
          if (allowed)
            expect([401, 403]).not.toContain(rule.route === 'POST /hooks/{id}' ? 0 : status);
          else expect(status).toBe(403);
          if (rule.route === 'POST /hooks/{id}') expect(status).toBe(401); // unsigned, whoever asks
        });
      }
    }
  }

  it('lets a key over every namespace send events, and refuses requests without a valid key (401)', async () => {
    const all = s.keys.create('operator', '*').token;
    const ev = { specversion: '1.0', id: 'e2', source: '/x', type: 'nobody.listens' };
    expect((await call(`${s.api}/events`, json(ev, auth(all)))).status).toBe(202);
    expect((await call(`${s.api}/workflows`)).status).toBe(401);
    expect(
      (await call(`${s.api}/workflows`, { headers: auth('weft_00000000_' + 'x'.repeat(43)) }))
        .status,
    ).toBe(401);
    expect(await upgrade('/stream', 'nope')).toBe(401);
  });

  it('stops accepting a revoked key at once', async () => {
    const { key, token } = s.keys.create('reader', ['team-a']);
    expect(
      (await call(`${s.api}/workflows?namespace=team-a`, { headers: auth(token) })).status,
    ).toBe(200);
    s.keys.revoke(key.id);
    expect(
      (await call(`${s.api}/workflows?namespace=team-a`, { headers: auth(token) })).status,
    ).toBe(401);
  });

  it('shows a restricted key only its own namespaces in lists', async () => {
    const t = tokens.get('admin')!;
    const wf = await call(`${s.api}/workflows`, { headers: auth(t) });
    expect(new Set(wf.body.items.map((w: { namespace: string }) => w.namespace))).toEqual(
      new Set(['team-a']),
    );
    const hk = await call(`${s.api}/hooks`, { headers: auth(t) });
    expect(new Set(hk.body.items.map((h: { namespace: string }) => h.namespace))).toEqual(
      new Set(['team-a']),
    );
  });
});
