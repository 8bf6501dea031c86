import { describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../src/history/events.js';
import { commandsOf, golden, runTasks, tasks } from './helpers/harness.js';

const ev = (type: string, data: unknown, extra: Record<string, unknown> = {}): CloudEvent =>
  ({
    specversion: '1.0',
    id: `${type}-${JSON.stringify(data)}`,
    source: 'test',
    type,
    data,
    ...extra,
  }) as CloudEvent;

describe('listen', () => {
  it('one: schedules the listen with the resolved strategy, consumes the first matching event, then cancels', () => {
    const ir = tasks(`
      - wait:
          listen:
            to:
              one: {with: {type: com.example.approved, subject: '\${ .order }'}}
    `);
    const run = golden('listen-one', ir, {
      input: { order: 'o1' },
      events: [
        { listen: 0, at: 5, event: ev('com.example.other', 1, { subject: 'o1' }) },
        { listen: 0, at: 6, event: ev('com.example.approved', { by: 'ann' }, { subject: 'o1' }) },
      ],
    });
    const cmds = commandsOf(run);
    expect(cmds[0]).toEqual({
      type: 'ScheduleListen',
      effectId: 0,
      taskId: '/do/0/wait',
      key: 'ex1//do/0/wait/0',
      strategy: { one: { with: { type: 'com.example.approved', subject: 'o1' } } },
      read: 'data',
    });
    expect(cmds[1]).toEqual({ type: 'CancelEffect', effectId: 0 });
    expect(run.execution.output).toEqual([{ by: 'ann' }]);
  });

  it('all: one event per filter, output in filter order', () => {
    const run = runTasks(
      `
      - both:
          listen:
            to:
              all:
                - with: {type: a}
                - with: {type: b}
    `,
      {
        events: [
          { listen: 0, at: 1, event: ev('b', 'B') },
          { listen: 0, at: 2, event: ev('b', 'B2') },
          { listen: 0, at: 3, event: ev('a', 'A') },
        ],
      },
    );
    expect(run.execution.output).toEqual(['B', 'A']);
  });

  it('any with until: consumes matching events until the expression holds; read envelope gives whole events', () => {
    const run = runTasks(
      `
      - collect:
          listen:
            to:
              any:
                - with: {type: tick}
              until: 'length >= 2'
            read: envelope
    `,
      { events: [1, 2, 3].map((n) => ({ listen: 0, at: n, event: ev('tick', n) })) },
    );
    expect((run.execution.output as CloudEvent[]).map((e) => e.data)).toEqual([1, 2]);
  });

  it('any without filters takes the first event of any kind', () => {
    const run = runTasks(
      `
      - first: {listen: {to: {any: []}}}
    `,
      { events: [{ listen: 0, at: 1, event: ev('whatever', 'x') }] },
    );
    expect(run.execution.output).toEqual(['x']);
  });

  it('foreach runs its tasks on each consumed event and outputs their outputs', () => {
    const run = runTasks(
      `
      - stream:
          listen:
            to:
              any: [{with: {type: n}}]
              until: 'length >= 2'
          foreach:
            item: e
            do:
              - double: {set: '\${ $e * 2 }'}
    `,
      { events: [5, 7].map((n, i) => ({ listen: 0, at: i + 1, event: ev('n', n) })) },
    );
    expect(run.execution.output).toEqual([10, 14]);
  });

  it('an event that matches no filter is not consumed and the listen keeps waiting', () => {
    const run = runTasks(
      `
      - w: {listen: {to: {one: {with: {type: wanted}}}}}
    `,
      { events: [{ listen: 0, at: 1, event: ev('unwanted', 1) }] },
    );
    expect(run.execution.status).toBe('running');
    expect(commandsOf(run).map((c) => c.type)).toEqual(['ScheduleListen']);
  });
});

describe('listen correlation', () => {
  it('a correlate key without expect takes the first consumed value; later events must agree', () => {
    const run = runTasks(
      `
      - l:
          listen:
            to:
              all:
                - with: {type: a}
                  correlate: {order: {from: .data.order}}
                - with: {type: b}
                  correlate: {order: {from: .data.order}}
    `,
      {
        events: [
          { listen: 0, at: 1, event: ev('a', { order: 1 }) },
          { listen: 0, at: 2, event: ev('b', { order: 2 }) },
          { listen: 0, at: 3, event: ev('b', { order: 1 }) },
        ],
      },
    );
    expect(run.execution.output).toEqual([{ order: 1 }, { order: 1 }]);
  });

  it('a correlate expect must equal the value taken from the event', () => {
    const run = runTasks(
      `
      - l:
          listen:
            to:
              one:
                with: {type: paid}
                correlate: {order: {from: .data.order, expect: '\${ .id }'}}
    `,
      {
        input: { id: 7 },
        events: [
          { listen: 0, at: 1, event: ev('paid', { order: 6 }) },
          { listen: 0, at: 2, event: ev('paid', { order: 7 }) },
        ],
      },
    );
    expect(run.execution.output).toEqual([{ order: 7 }]);
  });
});

describe('listen cancellation', () => {
  it('cancels the listen when its foreach task faults', () => {
    const run = runTasks(
      `
      - stream:
          listen:
            to: {any: [], until: 'false'}
          foreach:
            do:
              - boom: {raise: {error: {type: 'https://example.com/boom', status: 500}}}
    `,
      { events: [{ listen: 0, at: 1, event: ev('x', 1) }] },
    );
    expect(run.execution.error?.instance).toBe('/do/0/stream/foreach/do/0/boom');
    expect(commandsOf(run).map((c) => c.type)).toEqual([
      'ScheduleListen',
      'CancelEffect',
      'FaultExecution',
    ]);
  });

  it('cancels the listen once when the execution is cancelled while a foreach task waits', () => {
    const run = runTasks(
      `
      - stream:
          listen:
            to: {any: []}
          foreach:
            do:
              - slow: {wait: PT1H}
    `,
      { events: [{ listen: 0, at: 1, event: ev('x', 1) }], cancelAt: 100 },
    );
    expect(run.execution.status).toBe('cancelled');
    const cancels = commandsOf(run).filter((c) => c.type === 'CancelEffect');
    expect(cancels).toEqual([
      { type: 'CancelEffect', effectId: 1 },
      { type: 'CancelEffect', effectId: 0 },
    ]);
  });
});
