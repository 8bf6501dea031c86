import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeftClient } from '../../src/client/index.js';
import { weft } from '../helpers/cli.js';
import { helloYaml, humanYaml, waiterYaml } from './helpers.js';

const home = mkdtempSync(join(tmpdir(), 'weft-cli-'));
const env = { WEFT_HOME: home };
let server: ChildProcess;
let url = '';

const entry = new URL('../../src/cli/entry.ts', import.meta.url).pathname;

/** Starts `weft serve --port 0` in WEFT_HOME; resolves with its stderr once it listens. */
async function launch(): Promise<string> {
  server = spawn(process.execPath, ['--import', 'tsx', entry, 'serve', '--port', '0'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  url = await new Promise<string>((resolve, reject) => {
    server.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/\S+)\/api\/v1/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    server.on('exit', () => reject(new Error(stderr)));
  });
  return stderr;
}

async function waitListening(client: WeftClient, id: string) {
  const listening = async () =>
    (await client.history(id)).some((e) => e.event.type === 'ListenStarted');
  for (let i = 0; i < 300 && !(await listening()); i++) await new Promise((r) => setTimeout(r, 10));
}

beforeAll(async () => {
  const stderr = await launch();
  expect(stderr).toContain('no API keys: every caller is an admin, listening on 127.0.0.1 only');
  const client = new WeftClient({ server: url });
  await client.registerWorkflow(helloYaml);
  await client.registerWorkflow(waiterYaml());
  await client.registerWorkflow(humanYaml());
});

afterAll(() => {
  server.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
});

describe('client commands against weft serve', () => {
  it('weft start --follow prints the history and exits 0 when the execution completed', () => {
    const r = weft(
      ['start', 'team-a/hello', '--input', '{"name":"cli"}', '--follow', '--server', url],
      { env },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"ExecutionStarted"');
    expect(r.stdout).toContain('"greeting": "hello cli"');
  });

  it('weft start of an unknown workflow prints the problem and exits 1', () => {
    const r = weft(['start', 'team-a/ghost', '--server', url], { env });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toMatchObject({ status: 404 });
  });

  it('weft events send completes a waiting listen; weft executions get shows it', async () => {
    const client = new WeftClient({ server: url });
    const { execution } = await client.start({ namespace: 'team-a', name: 'waiter' });
    for (
      let i = 0;
      i < 200 &&
      !(await client.history(execution.id)).some((e) => e.event.type === 'ListenStarted');
      i++
    )
      await new Promise((r) => setTimeout(r, 10));
    const sent = weft(['events', 'send', '--type', 'com.example.go', '--data', '{"n":5}'], {
      env: { ...env, WEFT_SERVER: url },
    });
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout).accepted).toBe(1);
    const followed = weft(['executions', 'follow', execution.id, '--server', url], { env });
    expect(followed.code).toBe(0);
    const got = weft(['executions', 'get', execution.id, '--server', url], { env });
    expect(JSON.parse(got.stdout).status).toEqual({ state: 'completed', output: { heard: 5 } });
  });
});

describe('weft approvals', () => {
  it('lists a waiting human task and answers it; the execution completes', async () => {
    const client = new WeftClient({ server: url });
    const { execution } = await client.start({ namespace: 'team-a', name: 'refund' });
    let id: string | undefined;
    for (let i = 0; i < 300 && !id; i++) {
      id = (await client.listApprovals()).find((a) => a.executionId === execution.id)?.id;
      if (!id) await new Promise((r) => setTimeout(r, 10));
    }
    const listed = weft(['approvals', 'list', '--server', url], { env });
    expect(JSON.parse(listed.stdout).map((a: { id: string }) => a.id)).toContain(id);
    const answered = weft(
      ['approvals', 'answer', id!, '--answer', '{"ok":false}', '--server', url],
      { env },
    );
    expect(answered.code).toBe(0);
    let status = (await client.getExecution(execution.id)).status;
    for (let i = 0; i < 300 && status.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      status = (await client.getExecution(execution.id)).status;
    }
    expect(status).toEqual({ state: 'completed', output: { ok: false, by: 'local' } });
  });
});

describe('a restart of weft serve', () => {
  it('resumes a waiting execution, which an event then completes', async () => {
    let client = new WeftClient({ server: url });
    const { execution } = await client.start({ namespace: 'team-a', name: 'waiter' });
    await waitListening(client, execution.id);
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
    const stderr = await launch();
    expect(stderr).toMatch(/resumed [1-9]\d* execution/);
    client = new WeftClient({ server: url });
    await waitListening(client, execution.id);
    await client.sendEvents({
      specversion: '1.0',
      id: 'after-restart',
      source: '/t',
      type: 'com.example.go',
      data: { n: 9 },
    });
    let status = (await client.getExecution(execution.id)).status;
    for (let i = 0; i < 300 && status.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      status = (await client.getExecution(execution.id)).status;
    }
    expect(status).toEqual({ state: 'completed', output: { heard: 9 } });
  });
});

describe('weft keys and weft serve without keys', () => {
  it('creates a key shown once, stores only its hash, lists and revokes it', () => {
    const keysHome = mkdtempSync(join(tmpdir(), 'weft-keys-'));
    try {
      const made = weft(['keys', 'create', '--role', 'operator', '--namespace', 'team-a,team-b'], {
        env: { WEFT_HOME: keysHome },
      });
      expect(made.code).toBe(0);
      const token = made.stdout.trim();
      expect(token).toMatch(/^weft_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
      const file = readFileSync(join(keysHome, 'keys.json'), 'utf8');
      expect(file).not.toContain(token.slice(14));
      const id = token.slice(5, 13);
      const listed = JSON.parse(weft(['keys', 'list'], { env: { WEFT_HOME: keysHome } }).stdout);
      expect(listed[0]).toMatchObject({ id, role: 'operator', namespaces: ['team-a', 'team-b'] });
      expect(listed[0].hash).toBeUndefined();
      expect(weft(['keys', 'revoke', id], { env: { WEFT_HOME: keysHome } }).code).toBe(0);
      const bad = weft(['keys', 'create', '--role', 'boss', '--all-namespaces'], {
        env: { WEFT_HOME: keysHome },
      });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--role must be reader, operator or admin');
    } finally {
      rmSync(keysHome, { recursive: true, force: true });
    }
  });

  it('refuses to listen beyond loopback while no key exists', () => {
    const r = weft(['serve', '--host', '0.0.0.0', '--port', '0'], {
      env: { WEFT_HOME: mkdtempSync(join(tmpdir(), 'weft-open-')) },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('may only listen on a loopback address, not 0.0.0.0');
  });
});
