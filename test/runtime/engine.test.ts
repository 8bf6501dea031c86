import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEvent, Json } from '../../src/history/events.js';
import { ManualClock } from '../../src/runtime/clock.js';
import {
  ExecutionFaultedError,
  InputValidationError,
  createEngine,
} from '../../src/runtime/engine.js';
import { terminal } from '../../src/runtime/problems.js';
import { WorkflowDefinitionError } from '../../src/runtime/registry.js';
import { type TestServer, json, startServer } from './helpers/server.js';
import { until } from './helpers/wait.js';

const head = (name: string, version = '1.0.0') =>
  `document: {dsl: '1.0.0', namespace: test, name: ${name}, version: '${version}'}\n`;

let server: TestServer;
beforeAll(async () => {
  server = await startServer((req, res) =>
    json(res, 200, {
      auth: req.headers.authorization ?? null,
      key: req.headers['idempotency-key'] ?? null,
    }),
  );
});
afterAll(() => server.close());

function types(events: HistoryEvent[]): string[] {
  return events.map((e) => e.type);
}

describe('the engine', () => {
  it('runs set tasks to the end and records the history', async () => {
    const engine = createEngine({ env: {} });
    const [ref] = engine.register(
      head('sets') + 'do:\n  - a:\n      set: {x: 1}\n  - b:\n      set: {y: 2}\n',
    );
    const handle = engine.start(ref!, {});
    expect(await handle.result()).toEqual({ y: 2 });
    expect(types(await engine.history(handle.id))).toEqual([
      'ExecutionStarted',
      'ExecutionCompleted',
    ]);
  });

  it('calls a registered function with its args and context, recording the effect', async () => {
    const engine = createEngine({ env: {} });
    const seen: Json[] = [];
    engine.registerFunction('greet', (args, ctx) => {
      seen.push({
        args,
        taskId: ctx.taskId,
        key: ctx.idempotencyKey,
        exec: ctx.executionId,
        signal: ctx.signal instanceof AbortSignal,
      });
      return { text: 'hi' };
    });
    const [ref] = engine.register(
      head('fn') + 'do:\n  - hello:\n      call: greet\n      with: {name: Ada}\n',
    );
    const handle = engine.start(ref!, {});
    expect(await handle.result()).toEqual({ text: 'hi' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      args: { name: 'Ada' },
      taskId: '/do/0/hello',
      exec: handle.id,
      signal: true,
    });
    expect((seen[0] as { key: string }).key).toContain(handle.id);
    const history = await engine.history(handle.id);
    expect(types(history)).toEqual([
      'ExecutionStarted',
      'TaskStarted',
      'TaskCompleted',
      'ExecutionCompleted',
    ]);
    expect(history[1]).toMatchObject({
      kind: 'call',
      taskId: '/do/0/hello',
      request: { name: 'Ada' },
    });
  });

  it('faults with the problem a function throws with terminal()', async () => {
    const engine = createEngine({ env: {} });
    engine.registerFunction('pay', () => {
      throw terminal({
        type: 'https://example.com/card-declined',
        status: 402,
        title: 'Card declined',
      });
    });
    const [ref] = engine.register(head('pay') + 'do:\n  - charge:\n      call: pay\n');
    const err = await engine
      .start(ref!, {})
      .result()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecutionFaultedError);
    expect((err as ExecutionFaultedError).problem).toMatchObject({
      type: 'https://example.com/card-declined',
      status: 402,
      title: 'Card declined',
      instance: '/do/0/charge',
    });
  });

  it('turns anything else a function throws into a runtime problem', async () => {
    const engine = createEngine({ env: {} });
    engine.registerFunction('boom', () => {
      throw new Error('disk on fire');
    });
    const [ref] = engine.register(head('boom') + 'do:\n  - b:\n      call: boom\n');
    const o = await engine.start(ref!, {}).outcome;
    expect(o).toMatchObject({
      status: 'faulted',
      error: {
        type: 'https://serverlessworkflow.io/spec/1.0.0/errors/runtime',
        status: 500,
        detail: 'disk on fire',
      },
    });
  });

  it('rejects at registration a call to a function nobody registered, naming it and the task', () => {
    const engine = createEngine({ env: {} });
    expect(() => engine.register(head('nofn') + 'do:\n  - x:\n      call: missingFn\n')).toThrow(
      WorkflowDefinitionError,
    );
    try {
      engine.register(head('nofn') + 'do:\n  - x:\n      call: missingFn\n');
    } catch (e) {
      expect((e as WorkflowDefinitionError).diagnostics.join('\n')).toMatch(
        /call 'missingFn'.*\(at \/do\/0\/x\)/,
      );
    }
  });

  it('refuses to register the same version with other content', () => {
    const engine = createEngine({ env: {} });
    engine.register(head('imm') + 'do:\n  - a:\n      set: {x: 1}\n');
    engine.register(head('imm') + 'do:\n  - a:\n      set: {x: 1}\n');
    expect(() => engine.register(head('imm') + 'do:\n  - a:\n      set: {x: 2}\n')).toThrow(
      /already registered with other content/,
    );
  });

  it('has the effects of fork branches in flight at the same time', async () => {
    const engine = createEngine({ env: {} });
    let inFlight = 0;
    let most = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    engine.registerFunction('slow', async (args) => {
      inFlight++;
      most = Math.max(most, inFlight);
      if (inFlight === 2) release();
      await gate;
      inFlight--;
      return args;
    });
    const [ref] = engine.register(
      head('forked') +
        'do:\n  - f:\n      fork:\n        branches:\n          - a:\n              call: slow\n              with: {b: a}\n          - b:\n              call: slow\n              with: {b: b}\n',
    );
    expect(await engine.start(ref!, {}).result()).toEqual([{ b: 'a' }, { b: 'b' }]);
    expect(most).toBe(2);
  });

  it('fires durable timers on the injected clock', async () => {
    const clock = new ManualClock(1_000_000);
    const engine = createEngine({ env: {}, clock });
    const [ref] = engine.register(
      head('timer') + 'do:\n  - w:\n      wait: PT1H\n  - s:\n      set: {done: true}\n',
    );
    const handle = engine.start(ref!, { a: 1 });
    await until(() => clock.pending === 1, 'the timer');
    clock.advance(59 * 60_000);
    let settled = false;
    void handle.outcome.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    clock.advance(60_000);
    expect(await handle.result()).toEqual({ done: true });
    const timer = (await engine.history(handle.id)).find((e) => e.type === 'TimerStarted');
    expect(timer).toMatchObject({ purpose: 'wait', fireAt: 1_000_000 + 3_600_000 });
  });

  it('delivers a published event to a waiting listen whose filter matches', async () => {
    const engine = createEngine({ env: {} });
    const [ref] = engine.register(
      head('listen') +
        'do:\n  - l:\n      listen:\n        to:\n          one:\n            with: {type: com.example.ping}\n',
    );
    const handle = engine.start(ref!, {});
    await until(() => engine['bus'].size === 1, 'the listen');
    engine.publish({
      specversion: '1.0',
      id: '1',
      source: 'test',
      type: 'com.example.other',
      data: { n: 0 },
    });
    engine.publish({
      specversion: '1.0',
      id: '2',
      source: 'test',
      type: 'com.example.ping',
      data: { n: 1 },
    });
    expect(await handle.result()).toEqual([{ n: 1 }]);
    expect(engine['bus'].size).toBe(0);
  });

  it('runs a child workflow and takes its output', async () => {
    const engine = createEngine({ env: {} });
    const [parent] = engine.register(
      head('parent') +
        "do:\n  - c:\n      run:\n        workflow: {namespace: test, name: child, version: '1.0.0'}\n---\n" +
        head('child') +
        'do:\n  - s:\n      set: {fromChild: true}\n',
    );
    const handle = engine.start(parent!, {});
    expect(await handle.result()).toEqual({ fromChild: true });
    const started = (await engine.history(handle.id)).find((e) => e.type === 'ChildStarted');
    expect(started).toMatchObject({ workflow: { name: 'child' }, await: true });
  });

  it('cancels an execution: its in-flight call is aborted and it ends cancelled', async () => {
    const engine = createEngine({ env: {} });
    let aborted = false;
    let called = false;
    engine.registerFunction('forever', (_args, ctx) => {
      called = true;
      return new Promise<Json>((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => {
          aborted = true;
          reject(new Error('aborted'));
        });
      });
    });
    const [ref] = engine.register(head('cancel') + 'do:\n  - f:\n      call: forever\n');
    const handle = engine.start(ref!, {});
    await until(() => called, 'the call');
    handle.cancel('enough');
    expect(await handle.outcome).toMatchObject({ status: 'cancelled' });
    expect(aborted).toBe(true);
    await expect(handle.result()).rejects.toThrow(/cancel/);
  });

  it('rejects input that fails input.schema before starting, naming the property', () => {
    const engine = createEngine({ env: {} });
    const [ref] = engine.register(
      head('schema') +
        'input:\n  schema:\n    format: json\n    document:\n      type: object\n      required: [name]\n      properties:\n        name: {type: string}\ndo:\n  - a:\n      set: {ok: true}\n',
    );
    expect(() => engine.start(ref!, { name: 3 })).toThrow(InputValidationError);
    try {
      engine.start(ref!, {});
    } catch (e) {
      expect((e as InputValidationError).problem.type).toMatch(/validation$/);
      expect((e as InputValidationError).errors.join()).toContain(
        "must have required property 'name'",
      );
    }
  });

  it('authenticates with a secret from WEFT_SECRET_<NAME> and sends the idempotency key', async () => {
    const engine = createEngine({
      env: { WEFT_SECRET_CREDS: '{"username":"u","password":"p"}' },
      idempotencyHeader: true,
    });
    const [ref] = engine.register(
      head('secret') +
        `use:\n  secrets: [creds]\ndo:\n  - get:\n      call: http\n      with:\n        method: get\n        endpoint:\n          uri: ${server.url}/x\n          authentication:\n            basic: {use: creds}\n`,
    );
    const out = (await engine.start(ref!, {}).result()) as { auth: string; key: string };
    expect(out.auth).toBe('Basic ' + Buffer.from('u:p').toString('base64'));
    expect(out.key).toMatch(/\/do\/0\/get/);
  });

  it('sends the idempotency key only for the task that asks with metadata.weft.idempotencyKey', async () => {
    const engine = createEngine({ env: {} });
    const call = (name: string, meta: string) =>
      `  - ${name}:\n      call: http\n      with:\n        method: post\n        endpoint: ${server.url}/${name}\n${meta}`;
    const [ref] = engine.register(
      head('idem') +
        'do:\n' +
        call('plain', '') +
        call('keyed', '      metadata:\n        weft:\n          idempotencyKey: true\n') +
        "      output:\n        as: '{ plain: $input, keyed: . }'\n",
    );
    const out = (await engine.start(ref!, {}).result()) as {
      plain: { key: string | null };
      keyed: { key: string | null };
    };
    expect(out.plain.key).toBeNull();
    expect(out.keyed.key).toMatch(/\/do\/1\/keyed/);
  });

  it('starts a parsed document directly, registering it', async () => {
    const engine = createEngine({ env: {} });
    const document = {
      document: { dsl: '1.0.0', namespace: 'test', name: 'inline', version: '1.0.0' },
      do: [{ a: { set: { inline: true } } }],
    };
    const handle = engine.start(document, {});
    expect(handle.workflow).toEqual({ namespace: 'test', name: 'inline', version: '1.0.0' });
    expect(await handle.result()).toEqual({ inline: true });
  });

  it('returns the same execution for a duplicate idempotency key, and refuses it with other input', async () => {
    const engine = createEngine({ env: {} });
    let calls = 0;
    engine.registerFunction('once', () => ({ calls: ++calls }));
    const [ref] = engine.register(head('idem-start') + 'do:\n  - a:\n      call: once\n');
    const first = engine.start(ref!, { order: 1 }, { idempotencyKey: 'order-1' });
    const again = engine.start(ref!, { order: 1 }, { idempotencyKey: 'order-1' });
    expect(again.id).toBe(first.id);
    expect(await again.result()).toEqual({ calls: 1 });
    expect(calls).toBe(1);
    expect(() => engine.start(ref!, { order: 2 }, { idempotencyKey: 'order-1' })).toThrow(
      /idempotency key 'order-1' already started execution/,
    );
  });

  it('starts the latest registered version when none is given, and names an unknown workflow', async () => {
    const engine = createEngine({ env: {} });
    engine.register(head('v', '1.0.0') + 'do:\n  - a:\n      set: {v: 1}\n');
    engine.register(head('v', '1.10.0') + 'do:\n  - a:\n      set: {v: 10}\n');
    engine.register(head('v', '1.2.0') + 'do:\n  - a:\n      set: {v: 2}\n');
    expect(await engine.start({ namespace: 'test', name: 'v' }).result()).toEqual({ v: 10 });
    expect(() => engine.start({ namespace: 'test', name: 'nope', version: '1.0.0' })).toThrow(
      /workflow test\/nope@1.0.0 is not registered/,
    );
  });
});
