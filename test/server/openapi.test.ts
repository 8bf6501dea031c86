import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { HookRegistry } from '../../src/server/webhooks.js';
import { call } from './contract.js';
import { startServer, type TestServer } from './helpers.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.stop());

describe('/api/v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const doc = (await (await fetch(`${s.api}/openapi.json`)).json()) as { openapi: string };
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents every route the app serves, and nothing it does not serve', async () => {
    const doc = (await (await fetch(`${s.api}/openapi.json`)).json()) as {
      paths: Record<string, object>;
    };
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) =>
        Object.keys(ops).map(
          (m) => `${m.toUpperCase()} /api/v1${p.replace(/\{([^}]+)\}/g, ':$1')}`,
        ),
      )
      .sort();
    const app = createApp({ engine: s.adapter, hooks: new HookRegistry(), approvals: s.approvals });
    const served = [
      ...new Set(
        app.routes
          .filter((r) => r.method !== 'ALL' && !r.path.endsWith('/openapi.json'))
          .map((r) => `${r.method} ${r.path}`),
      ),
    ].sort();
    expect(served).toEqual(documented);
  });

  it('declares a problem body for the errors it answers', async () => {
    const r = await call(`${s.api}/executions/does-not-exist`);
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    expect(r.body).toMatchObject({ status: 404, type: expect.stringContaining('not-found') });
  });
});
