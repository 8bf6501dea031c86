import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callHttp } from '../../src/runtime/http/index.js';
import { ProblemError } from '../../src/runtime/problems.js';
import type { Json } from '../../src/history/events.js';
import { type TestServer, json, startServer } from './helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer((req, res) => {
    const path = req.url.split('?')[0];
    if (path === '/pet/1') return json(res, 200, { id: 1, name: 'Rex', status: 'available' });
    if (path === '/echo')
      return json(res, 200, {
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: req.body,
      });
    if (path === '/text') return res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
    if (path === '/bytes')
      return res
        .writeHead(200, { 'content-type': 'application/octet-stream' })
        .end(Buffer.from([1, 2, 3]));
    if (path === '/moved') return res.writeHead(302, { location: '/pet/1' }).end();
    if (path === '/slow') return setTimeout(() => json(res, 200, {}), 5_000);
    return json(res, 404, { message: 'no pet here' });
  });
});
afterAll(() => server.close());

function ctx(extra: Partial<Parameters<typeof callHttp>[1]> = {}) {
  return { input: {} as Json, hostMap: {}, secrets: {}, ...extra };
}

async function problemOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProblemError) return e.problem;
    throw e;
  }
  throw new Error('expected the call to fault');
}

describe('call: http', () => {
  it('returns the parsed JSON body by default, expanding the endpoint template with the task input', async () => {
    const out = await callHttp(
      { method: 'get', endpoint: { uri: `${server.url}/pet/{petId}` } },
      ctx({ input: { petId: 1 } }),
    );
    expect(out).toEqual({ id: 1, name: 'Rex', status: 'available' });
  });

  it('sends query, headers and a JSON body', async () => {
    const out = (await callHttp(
      {
        method: 'post',
        endpoint: `${server.url}/echo`,
        query: { status: 'sold', tags: ['a', 'b'] },
        headers: { 'X-Trace': 'abc', 'X-Count': 3 },
        body: { name: 'Rex' },
      },
      ctx(),
    )) as { [k: string]: Json };
    expect(out.method).toBe('POST');
    expect(out.url).toBe('/echo?status=sold&tags=a&tags=b');
    expect(out.body).toBe('{"name":"Rex"}');
    const headers = out.headers as Record<string, string>;
    expect(headers['x-trace']).toBe('abc');
    expect(headers['x-count']).toBe('3');
    expect(headers['content-type']).toBe('application/json');
  });

  it('sends a string body as is', async () => {
    const out = (await callHttp(
      { method: 'put', endpoint: `${server.url}/echo`, body: 'plain words' },
      ctx(),
    )) as {
      [k: string]: Json;
    };
    expect(out.body).toBe('plain words');
    expect((out.headers as Record<string, string>)['content-type']).toMatch(/^text\/plain/);
  });

  it('returns the whole response with output: response, without echoing the authorization', async () => {
    const out = (await callHttp(
      {
        method: 'get',
        endpoint: { uri: `${server.url}/pet/1`, authentication: { bearer: { token: 't0k' } } },
        output: 'response',
      },
      ctx(),
    )) as { [k: string]: any };
    expect(out.statusCode).toBe(200);
    expect(out.request.method).toBe('GET');
    expect(out.request.uri).toBe(`${server.url}/pet/1`);
    expect(out.request.headers.authorization).toBe('[redacted]');
    expect(out.headers['content-type']).toBe('application/json');
    expect(out.content).toEqual({ id: 1, name: 'Rex', status: 'available' });
    expect(server.received.at(-1)!.headers.authorization).toBe('Bearer t0k');
  });

  it('returns the body as base64 with output: raw, and text for text/*', async () => {
    expect(
      await callHttp({ method: 'get', endpoint: `${server.url}/bytes`, output: 'raw' }, ctx()),
    ).toBe('AQID');
    expect(await callHttp({ method: 'get', endpoint: `${server.url}/text` }, ctx())).toBe('hello');
  });

  it('sends basic authentication, inline or from a secret', async () => {
    await callHttp(
      {
        method: 'get',
        endpoint: {
          uri: `${server.url}/echo`,
          authentication: { basic: { username: 'u', password: 'p' } },
        },
      },
      ctx(),
    );
    expect(server.received.at(-1)!.headers.authorization).toBe(
      'Basic ' + Buffer.from('u:p').toString('base64'),
    );
    await callHttp(
      {
        method: 'get',
        endpoint: { uri: `${server.url}/echo`, authentication: { basic: { use: 'creds' } } },
      },
      ctx({ secrets: { creds: { username: 'a', password: 'b' } } }),
    );
    expect(server.received.at(-1)!.headers.authorization).toBe(
      'Basic ' + Buffer.from('a:b').toString('base64'),
    );
  });

  it('faults with a configuration problem for oauth2, saying it is not supported yet', async () => {
    const p = await problemOf(
      callHttp(
        {
          method: 'get',
          endpoint: { uri: `${server.url}/echo`, authentication: { oauth2: { authority: 'x' } } },
        },
        ctx(),
      ),
    );
    expect(p.type).toBe('https://serverlessworkflow.io/spec/1.0.0/errors/configuration');
    expect(p.detail).toMatch(/'oauth2' authentication is not supported yet/);
  });

  it('faults with a communication problem carrying the HTTP status and a body excerpt', async () => {
    const p = await problemOf(
      callHttp({ method: 'get', endpoint: `${server.url}/pet/getPetByName/Milou` }, ctx()),
    );
    expect(p.type).toBe('https://serverlessworkflow.io/spec/1.0.0/errors/communication');
    expect(p.status).toBe(404);
    expect(p.title).toBe('HTTP 404 Not Found');
    expect(p.detail).toContain('no pet here');
  });

  it('treats a redirect as an error by default and follows it with redirect: true', async () => {
    const p = await problemOf(callHttp({ method: 'get', endpoint: `${server.url}/moved` }, ctx()));
    expect(p.status).toBe(302);
    expect(p.detail).toMatch(/redirect: true/);
    const out = await callHttp(
      { method: 'get', endpoint: `${server.url}/moved`, redirect: true },
      ctx(),
    );
    expect(out).toEqual({ id: 1, name: 'Rex', status: 'available' });
  });

  it('rewrites the host with the host map', async () => {
    const out = await callHttp(
      { method: 'get', endpoint: 'https://petstore.swagger.io/pet/1' },
      ctx({ hostMap: { 'petstore.swagger.io': server.url } }),
    );
    expect(out).toEqual({ id: 1, name: 'Rex', status: 'available' });
  });

  it('sends the idempotency key when an idempotency header is configured', async () => {
    await callHttp(
      { method: 'post', endpoint: `${server.url}/echo` },
      ctx({ idempotencyHeader: 'Idempotency-Key', idempotencyKey: 'exec-1/do/0/pay/0' }),
    );
    expect(server.received.at(-1)!.headers['idempotency-key']).toBe('exec-1/do/0/pay/0');
  });

  it('aborts an in-flight call when its signal fires', async () => {
    const controller = new AbortController();
    const p = callHttp(
      { method: 'get', endpoint: `${server.url}/slow` },
      ctx({ signal: controller.signal }),
    );
    setTimeout(() => controller.abort(), 20);
    await expect(p).rejects.toThrow(/abort/i);
  });

  it('faults with a communication problem when nothing listens', async () => {
    const gone = await startServer(() => {});
    await gone.close();
    const p = await problemOf(callHttp({ method: 'get', endpoint: `${gone.url}/x` }, ctx()));
    expect(p.type).toMatch(/communication$/);
    expect(p.detail).toMatch(/ECONNREFUSED/);
  });

  it('rejects a body on a GET with a configuration problem saying why', async () => {
    const p = await problemOf(
      callHttp({ method: 'get', endpoint: `${server.url}/echo`, body: { a: 1 } }, ctx()),
    );
    expect(p.type).toMatch(/configuration$/);
    expect(p.detail).toContain('a GET request cannot carry a body');
  });

  it('rejects a relative endpoint with a configuration problem naming it', async () => {
    const p = await problemOf(callHttp({ method: 'get', endpoint: '/pet/1' }, ctx()));
    expect(p.type).toMatch(/configuration$/);
    expect(p.detail).toContain("'/pet/1'");
  });
});
