// Issue 2 acceptance: workflow errors are RFC 7807 problems with the standard type and
// status, and `instance` = the pointer of the task that faulted; one test per kind, end to
// end through `weft run` (real runtime, a real HTTP server on 127.0.0.1).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'weft-errors-'));
const ENTRY = new URL('../../src/cli/entry.ts', import.meta.url).pathname;
const BASE = 'https://serverlessworkflow.io/spec/1.0.0/errors/';

// The server answers /status/N with status N.
const server = createServer((req, res) => {
  const status = Number(/\/status\/(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ status }));
});
let origin = '';
beforeAll(async () => {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

/** `weft run` without blocking the event loop (the HTTP server lives in this process). */
function run(tasks: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Each run gets its own WEFT_HOME: a registered workflow version is immutable.
  const home = mkdtempSync(join(dir, 'home-'));
  const file = join(home, 'wf.yaml');
  writeFileSync(
    file,
    `document: {dsl: '1.0.0', namespace: t, name: errors, version: '1.0.0'}\ndo:\n${tasks}`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'run', file], {
    env: { ...process.env, WEFT_HOME: join(home, '.weft') },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((ok) => child.on('close', (code) => ok({ code, stdout, stderr })));
}

async function problemOf(tasks: string): Promise<Record<string, unknown>> {
  const r = await run(tasks);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  return JSON.parse(r.stderr) as Record<string, unknown>;
}

describe('error objects (RFC 7807) through weft run', () => {
  it('validation 400: input that fails the task input.schema', async () => {
    const p = await problemOf(`  - check:
      input:
        schema:
          format: json
          document: {type: object, required: [order]}
      set: {ok: true}
`);
    expect(p).toMatchObject({ type: `${BASE}validation`, status: 400, instance: '/do/0/check' });
  });

  it('expression 400: a jq expression that fails at run time', async () => {
    const p = await problemOf(`  - parse:
      set: {n: '\${ "abc" | tonumber }'}
`);
    expect(p).toMatchObject({ type: `${BASE}expression`, status: 400, instance: '/do/0/parse' });
  });

  it('timeout 408: a task that outlives its timeout', async () => {
    const p = await problemOf(`  - slow:
      timeout: {after: {milliseconds: 50}}
      wait: PT30S
`);
    expect(p).toMatchObject({ type: `${BASE}timeout`, status: 408, instance: '/do/0/slow' });
  });

  it('communication: an HTTP call answered 503 carries that status', async () => {
    const p = await problemOf(`  - get:
      call: http
      with: {method: get, endpoint: '${origin}/status/503'}
`);
    expect(p).toMatchObject({ type: `${BASE}communication`, status: 503, instance: '/do/0/get' });
  });

  it('communication 500: an HTTP call to a port nobody listens on', async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((ok) => closed.close(() => ok()));
    const p = await problemOf(`  - get:
      call: http
      with: {method: get, endpoint: 'http://127.0.0.1:${port}/x'}
`);
    expect(p).toMatchObject({ type: `${BASE}communication`, instance: '/do/0/get' });
    expect(p.status).toBe(500);
  });

  it('configuration 400: an authentication scheme weft cannot use yet', async () => {
    const p = await problemOf(`  - get:
      call: http
      with:
        method: get
        endpoint:
          uri: '${origin}/status/200'
          authentication: {digest: {username: u, password: p}}
`);
    expect(p).toMatchObject({ type: `${BASE}configuration`, status: 400, instance: '/do/0/get' });
  });

  it('runtime 500: an output over the payload limit', async () => {
    const p = await problemOf(`  - huge:
      set: {s: '\${ "x" * 5000000 }'}
`);
    expect(p).toMatchObject({ type: `${BASE}runtime`, status: 500, instance: '/do/0/huge' });
  });

  it('raise of the authentication 401 and authorization 403 types keeps type, status and instance', async () => {
    for (const [kind, status] of [
      ['authentication', 401],
      ['authorization', 403],
    ] as const) {
      const p = await problemOf(`  - deny:
      raise:
        error: {type: '${BASE}${kind}', status: ${status}, title: Denied}
`);
      expect(p).toEqual({ type: BASE + kind, status, title: 'Denied', instance: '/do/0/deny' });
    }
  });

  // Decided (docs/calls.md "Errors"): every non-2xx answer of a called service is a
  // communication error carrying the answer's status, 401 and 403 included, so one
  // `errors.with: {type: communication, status: 401}` filter catches it. The standard
  // authentication and authorization types are for weft failing to authenticate or
  // authorize on its own side (and for `raise`, tested above).
  it('an HTTP call answered 401 faults with the communication type and status 401', async () => {
    const p = await problemOf(`  - get:
      call: http
      with: {method: get, endpoint: '${origin}/status/401'}
`);
    expect(p).toMatchObject({ type: `${BASE}communication`, status: 401, instance: '/do/0/get' });
  });
});
