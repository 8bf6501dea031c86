// A real server on 127.0.0.1 (port 0) over a SQLite store in a temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, type Store } from '../../src/store/index.js';
import { DurableAdapter } from '../../src/server/durable-adapter.js';
import type { EnginePort } from '../../src/server/port.js';
import { DurableEngine } from '../../src/runtime/durable/engine.js';
import { KeyRing } from '../../src/server/keys.js';
import { HookRegistry } from '../../src/server/webhooks.js';
import { ApprovalInbox } from '../../src/server/approvals.js';
import { serve, type RunningServer, type ServeOptions } from '../../src/server/serve.js';

export interface TestServer extends RunningServer {
  adapter: EnginePort;
  /** The engine behind the adapter (`weft serve` also calls its serve(): the worker). */
  engine: DurableEngine;
  keys: KeyRing;
  hooks: HookRegistry;
  approvals: ApprovalInbox;
  store: Store;
  dir: string;
  api: string;
  stop(): Promise<void>;
}

/**
 * `at.dir` runs the server on the store already in that folder (a restart); stop() then
 * leaves the folder for the next start, and the caller removes it.
 */
export async function startServer(
  options: Partial<ServeOptions> = {},
  at?: { dir: string },
): Promise<TestServer> {
  const dir = at?.dir ?? mkdtempSync(join(tmpdir(), 'weft-server-'));
  const store = openSqliteStore({ path: join(dir, 'weft.db'), integrityCheck: 'none' });
  const engine = new DurableEngine({ store });
  const adapter: EnginePort = new DurableAdapter(engine);
  const keys = new KeyRing(join(dir, 'keys.json'));
  const hooks = new HookRegistry();
  const approvals = new ApprovalInbox(adapter, store);
  const running = await serve({
    engine: adapter,
    keys,
    hooks,
    approvals,
    host: '127.0.0.1',
    port: 0,
    ...options,
  });
  return {
    ...running,
    adapter,
    engine,
    keys,
    hooks,
    approvals,
    store,
    dir,
    api: `${running.url}/api/v1`,
    async stop() {
      await running.close();
      approvals.close();
      await adapter.close();
      await store.close();
      if (!at) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const helloYaml = `document:
  dsl: '1.0.0'
  namespace: team-a
  name: hello
  version: '1.0.0'
do:
  - greet:
      set:
        greeting: \${ "hello " + .name }
`;

/** Waits for an event of type com.example.go, then answers with its data. */
export const waiterYaml = (namespace = 'team-a', name = 'waiter') => `document:
  dsl: '1.0.0'
  namespace: ${namespace}
  name: ${name}
  version: '1.0.0'
do:
  - before:
      wait:
        milliseconds: 1
  - hear:
      listen:
        to:
          one:
            with:
              type: com.example.go
  - after:
      set:
        heard: \${ .[0].n }
`;

export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Polls `check` until it returns a value (no wall-clock assertion: a bound on tries). */
export async function until<T>(check: () => Promise<T | undefined>, tries = 400): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the condition never held');
}

/** A human task: approve with a form; answerable by operators and admins. */
export const humanYaml = (namespace = 'team-a') => `document:
  dsl: '1.0.0'
  namespace: ${namespace}
  name: refund
  version: '1.0.0'
do:
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
            roles: [operator, admin]
            form:
              type: object
              required: [ok]
              properties:
                ok: { type: boolean }
                note: { type: string, maxLength: 20 }
  - decide:
      set:
        ok: \${ .[0].answer.ok }
        by: \${ .[0].answeredBy }
`;
