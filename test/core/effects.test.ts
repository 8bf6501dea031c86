import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/core/commands.js';
import { commandsOf, golden, runTasks, T0, tasks } from './helpers/harness.js';

const schedules = (cmds: Command[]) => cmds.filter((c) => c.type.startsWith('Schedule'));

describe('call', () => {
  it('schedules a call with evaluated args, the task input and a stable key; the result is the output', () => {
    const ir = tasks(`
      - getPet:
          call: http
          with:
            method: get
            endpoint: {uri: 'https://petstore.swagger.io/v2/pet/{petId}'}
            headers: {x-pet: '\${ .petId | tostring }'}
          output: {as: .id}
    `);
    const run = golden('call-http', ir, {
      input: { petId: 1 },
      respond: () => ({ result: { id: 1, name: 'Milou' } }),
    });
    expect(schedules(commandsOf(run))).toEqual([
      {
        type: 'ScheduleCall',
        effectId: 0,
        taskId: '/do/0/getPet',
        key: 'ex1//do/0/getPet/0',
        call: 'http',
        args: {
          method: 'get',
          endpoint: { uri: 'https://petstore.swagger.io/v2/pet/{petId}' },
          headers: { 'x-pet': '1' },
        },
        input: { petId: 1 },
      },
    ]);
    expect(run.execution.output).toBe(1);
  });

  it('a faulted call faults the workflow with the problem, located at the task', () => {
    const run = runTasks(
      `
      - getPet: {call: http, with: {method: get, endpoint: 'http://x'}}
    `,
      {
        respond: () => ({
          error: {
            type: 'https://serverlessworkflow.io/spec/1.0.0/errors/communication',
            status: 404,
          },
        }),
      },
    );
    expect(run.execution.error).toEqual({
      type: 'https://serverlessworkflow.io/spec/1.0.0/errors/communication',
      status: 404,
      instance: '/do/0/getPet',
    });
  });

  it('runs a use.functions function inline with the evaluated with as its input', () => {
    const run = runTasks(
      `
      - greet: {call: hello, with: {name: '\${ .who }'}}
    `,
      { input: { who: 'Ada' } },
      `use:
  functions:
    hello:
      set: {greeting: '\${ "hello " + .name }'}
`,
    );
    expect(run.execution.output).toEqual({ greeting: 'hello Ada' });
  });

  it('gives the effects of two call sites of one function different task ids and keys', () => {
    const run = runTasks(
      `
      - a: {call: ping}
      - b: {call: ping}
    `,
      {},
      `use:
  functions:
    ping: {call: http, with: {method: get, endpoint: 'http://x'}}
`,
    );
    expect(schedules(commandsOf(run)).map((c) => 'key' in c && c.key)).toEqual([
      'ex1//do/0/a/call/0',
      'ex1//do/1/b/call/0',
    ]);
  });

  it('carries the evaluated cache key and ttl on the call (weft cache)', () => {
    const run = runTasks(
      `
      - rate:
          call: quote
          with: {symbol: '\${ .s }'}
          cache: {key: '.s', ttl: PT1M}
    `,
      { input: { s: 'ACME' } },
    );
    expect(schedules(commandsOf(run))[0]).toMatchObject({
      call: 'quote',
      cache: { key: 'ACME', ttlMs: 60_000 },
    });
  });

  it('gives each for iteration, retry and goto repeat its own key', () => {
    const run = runTasks(
      `
      - loop:
          for: {in: '.xs'}
          do:
            - c: {call: f}
    `,
      { input: { xs: [1, 2] } },
    );
    expect(schedules(commandsOf(run)).map((c) => 'key' in c && c.key)).toEqual([
      'ex1//do/0/loop/do/0/c/0',
      'ex1//do/0/loop/do/0/c/1',
    ]);
    const again = runTasks(
      `
      - c: {call: f, output: {as: '{n: ($input.n + 1)}'}}
      - check:
          switch:
            - more: {when: '.n < 2', then: c}
    `,
      { input: { n: 0 } },
    );
    expect(schedules(commandsOf(again)).map((c) => 'key' in c && c.key)).toEqual([
      'ex1//do/0/c/0',
      'ex1//do/0/c/g1',
    ]);
  });
});

describe('wait', () => {
  it('schedules a durable timer and outputs its input', () => {
    const run = golden(
      'wait',
      tasks(`
      - pause: {wait: {seconds: 2}}
      - iso: {wait: PT1M}
    `),
      { input: { a: 1 } },
    );
    expect(schedules(commandsOf(run))).toEqual([
      {
        type: 'ScheduleTimer',
        effectId: 0,
        taskId: '/do/0/pause',
        purpose: 'wait',
        fireAt: T0 + 2000,
      },
      {
        type: 'ScheduleTimer',
        effectId: 1,
        taskId: '/do/1/iso',
        purpose: 'wait',
        fireAt: T0 + 2000 + 60_000,
      },
    ]);
    expect(run.execution.output).toEqual({ a: 1 });
  });

  it('weft: wait until an absolute time, given as ISO 8601 or an expression', () => {
    const run = runTasks(
      `
      - a: {wait: {until: '2026-01-01T00:10:00Z'}}
      - b: {wait: {until: '\${ .at }'}}
    `,
      { input: { at: '2026-01-01T01:00:00Z' } },
    );
    expect(schedules(commandsOf(run)).map((c) => c.type === 'ScheduleTimer' && c.fireAt)).toEqual([
      T0 + 600_000,
      T0 + 3_600_000,
    ]);
  });

  it('weft: wait until epoch milliseconds, and a time in the past schedules a timer already due', () => {
    const run = runTasks(
      `
      - a: {wait: {until: '\${ .ms }'}}
      - b: {wait: {until: '2020-01-01T00:00:00Z'}}
      - c: {set: {done: true}}
    `,
      { input: { ms: T0 + 1234 } },
    );
    expect(schedules(commandsOf(run)).map((c) => c.type === 'ScheduleTimer' && c.fireAt)).toEqual([
      T0 + 1234,
      Date.UTC(2020, 0, 1),
    ]);
    expect(run.execution.output).toEqual({ done: true });
    // The past timer fired at the time it was started: no waiting.
    const fired = run.history.filter((e) => e.type === 'TimerFired').map((e) => e.time);
    expect(fired).toEqual([T0 + 1234, T0 + 1234]);
  });

  it('an until that is not a time faults with a clear error', () => {
    const run = runTasks(`
      - a: {wait: {until: 'tomorrow'}}
    `);
    expect(run.execution.error).toMatchObject({ instance: '/do/0/a', title: 'Invalid wait.until' });
  });
});

describe('emit', () => {
  it('outputs the CloudEvent as emitted: id from the seeded PRNG, time from now, specversion 1.0', () => {
    const ir = tasks(`
      - notify:
          emit:
            event:
              with:
                source: https://weft.test
                type: com.example.order.placed
                data: {order: '\${ .id }'}
    `);
    const run = golden('emit', ir, { input: { id: 7 } });
    const out = run.execution.output as Record<string, unknown>;
    expect(out).toMatchObject({
      specversion: '1.0',
      source: 'https://weft.test',
      type: 'com.example.order.placed',
      time: '2026-01-01T00:00:00.000Z',
      data: { order: 7 },
    });
    expect(out.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(schedules(commandsOf(run))[0]).toMatchObject({ type: 'ScheduleEmit', event: out });
    const other = runTasks(
      `
      - notify: {emit: {event: {with: {source: s, type: t}}}}
    `,
      { seed: 'another' },
    );
    expect((other.execution.output as Record<string, unknown>).id).not.toBe(out.id);
  });
});

describe('run workflow', () => {
  it('awaits the child by default and outputs its output', () => {
    const run = runTasks(
      `
      - child:
          run:
            workflow: {namespace: test, name: sub, version: '1.0.0', input: {x: '\${ .x }'}}
    `,
      { input: { x: 1 }, respond: () => ({ result: { fromChild: true } }) },
    );
    expect(schedules(commandsOf(run))).toEqual([
      {
        type: 'ScheduleChild',
        effectId: 0,
        taskId: '/do/0/child',
        key: 'ex1//do/0/child/0',
        workflow: { namespace: 'test', name: 'sub', version: '1.0.0' },
        input: { x: 1 },
        await: true,
      },
    ]);
    expect(run.execution.output).toEqual({ fromChild: true });
  });

  it('with await false outputs the task input and moves on', () => {
    const run = runTasks(
      `
      - child: {run: {workflow: {namespace: test, name: sub, version: latest}, await: false}}
      - next: {set: {after: '\${ .x }'}}
    `,
      { input: { x: 1 }, respond: () => 'hang' },
    );
    expect(run.execution.output).toEqual({ after: 1 });
  });

  it('run: shell is not supported yet: a configuration error', () => {
    const run = runTasks(`
      - sh: {run: {shell: {command: ls}}}
    `);
    expect(run.execution.error).toMatchObject({
      type: 'https://serverlessworkflow.io/spec/1.0.0/errors/configuration',
      detail: 'run: shell is not supported yet',
    });
  });
});
