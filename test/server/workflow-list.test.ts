// GET /workflows reads the store: the list survives a restart and pages with a cursor.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { call } from './contract.js';
import { helloYaml, startServer } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-server-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const doc = (namespace: string, name: string, version: string) => `document:
  dsl: '1.0.0'
  namespace: ${namespace}
  name: ${name}
  version: '${version}'
do:
  - x:
      set:
        v: '${version}'
`;

const register = (api: string, body: string) =>
  call(`${api}/workflows`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body,
  });

const refs = (items: { namespace: string; name: string; version: string }[]) =>
  items.map((w) => `${w.namespace}/${w.name}@${w.version}`);

const expected = [
  'team-a/hello@1.0.0',
  'team-a/orders@2.0.0',
  'team-a/orders@1.0.0',
  'team-b/audit@1.0.0',
];

describe('listing workflows across a restart', () => {
  it('lists the workflows registered before the server restarted on the same store', async () => {
    const first = await startServer({}, { dir });
    try {
      for (const body of [
        doc('team-b', 'audit', '1.0.0'),
        doc('team-a', 'orders', '2.0.0'),
        doc('team-a', 'orders', '1.0.0'),
        helloYaml,
      ])
        expect((await register(first.api, body)).status).toBe(201);
    } finally {
      await first.stop();
    }

    const second = await startServer({}, { dir });
    try {
      const all = await call(`${second.api}/workflows`);
      expect(all.status).toBe(200);
      // by namespace, name, then registration order (2.0.0 was registered first)
      expect(refs(all.body.items)).toEqual(expected);
      expect(all.body.nextCursor).toBeUndefined();

      const one = await call(`${second.api}/workflows?namespace=team-b`);
      expect(refs(one.body.items)).toEqual(['team-b/audit@1.0.0']);

      const seen: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 5; i++) {
        const q = `limit=3${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await call(`${second.api}/workflows?${q}`);
        expect(page.status).toBe(200);
        seen.push(...refs(page.body.items));
        cursor = page.body.nextCursor;
        if (!cursor) break;
      }
      expect(seen).toEqual(expected);
    } finally {
      await second.stop();
    }
  });

  it('answers a cursor the store did not make with 400 naming the cursor', async () => {
    const s = await startServer();
    try {
      const r = await call(`${s.api}/workflows?cursor=bogus`);
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toBe('application/problem+json');
      expect(r.body.detail).toContain('cursor "bogus"');
    } finally {
      await s.stop();
    }
  });

  it('refuses a page size above 1000 with 400', async () => {
    const s = await startServer();
    try {
      const r = await call(`${s.api}/workflows?limit=5000`);
      expect(r.status).toBe(400);
    } finally {
      await s.stop();
    }
  });
});
