import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './contract.js';
import { helloYaml, startServer, type TestServer } from './helpers.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.stop());

const yaml = (body: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/yaml' },
  body,
});

describe('workflows', () => {
  it('registers a YAML document with 201 and the same one again with 200', async () => {
    const first = await call(`${s.api}/workflows`, yaml(helloYaml));
    expect(first.status).toBe(201);
    expect(first.body.items[0]).toMatchObject({
      namespace: 'team-a',
      name: 'hello',
      version: '1.0.0',
    });
    const again = await call(`${s.api}/workflows`, yaml(helloYaml));
    expect(again.status).toBe(200);
    expect(again.body.items[0].hash).toBe(first.body.items[0].hash);
  });

  it('registers a JSON document by its content type', async () => {
    const doc = {
      document: { dsl: '1.0.0', namespace: 'team-a', name: 'json-one', version: '0.1.0' },
      do: [{ x: { set: { a: 1 } } }],
    };
    const r = await call(`${s.api}/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(doc),
    });
    expect(r.status).toBe(201);
    expect(r.body.items[0].name).toBe('json-one');
  });

  it('answers an invalid document with 422 and diagnostics naming line and column', async () => {
    const r = await call(`${s.api}/workflows`, yaml(helloYaml.replace('set:', 'sett:')));
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    expect(r.body.errors.length).toBeGreaterThan(0);
    expect(r.body.errors[0]).toMatchObject({ line: expect.any(Number), col: expect.any(Number) });
  });

  it('refuses another version content under a registered version with 409', async () => {
    const r = await call(`${s.api}/workflows`, yaml(helloYaml.replace('"hello "', '"hi "')));
    expect(r.status).toBe(409);
    expect(r.body.detail).toContain('team-a/hello@1.0.0');
  });

  it('refuses a body that is neither JSON nor YAML with 415', async () => {
    const r = await call(`${s.api}/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: helloYaml,
    });
    expect(r.status).toBe(415);
  });

  it('lists workflows, their versions and one version with its source', async () => {
    await call(`${s.api}/workflows`, yaml(helloYaml.replace("'1.0.0'\ndo", "'1.1.0'\ndo")));
    const list = await call(`${s.api}/workflows?namespace=team-a`);
    expect(list.status).toBe(200);
    expect(
      list.body.items.map((w: { name: string; version: string }) => `${w.name}@${w.version}`),
    ).toEqual(expect.arrayContaining(['hello@1.0.0', 'hello@1.1.0']));
    const versions = await call(`${s.api}/workflows/team-a/hello`);
    expect(versions.body.items.map((w: { version: string }) => w.version)).toEqual([
      '1.0.0',
      '1.1.0',
    ]);
    const one = await call(`${s.api}/workflows/team-a/hello/1.0.0`);
    expect(one.status).toBe(200);
    expect(JSON.parse(one.body.source).document).toMatchObject({ name: 'hello', version: '1.0.0' });
  });

  it('answers 404 for a workflow that is not registered', async () => {
    expect((await call(`${s.api}/workflows/team-a/nope`)).status).toBe(404);
    const r = await call(`${s.api}/workflows/team-a/hello/9.9.9`);
    expect(r.status).toBe(404);
    expect(r.body.detail).toContain('team-a/hello@9.9.9');
  });

  it('refuses a body over the size limit with 413, also when it is sent chunked', async () => {
    const big = helloYaml + '#' + 'x'.repeat(1 << 20) + '\n';
    const r = await call(`${s.api}/workflows`, yaml(big));
    expect(r.status).toBe(413);
    expect(r.body.detail).toContain('1048576');
    const chunked = await call(`${s.api}/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('answers an unknown path with a 404 problem', async () => {
    const r = await call(`${s.api}/nothing-here`);
    expect(r.status).toBe(404);
    expect(r.body.type).toContain('not-found');
  });
});
