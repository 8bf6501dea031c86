// Golden histories for every task type and extension: each scenario runs against the
// scripted runtime, its history and per-event commands are compared with
// test/core/golden/<name>.json (GOLDEN_UPDATE=1 rewrites them after a deliberate change),
// and the stored history is replayed through a fresh Execution with the exact same
// commands expected after each event.
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/history/events.js';
import type { Script } from './helpers/harness.js';
import { golden, tasks } from './helpers/harness.js';

interface Scenario {
  name: string;
  doc: string;
  head?: string;
  script?: Script;
  output?: Json;
  status?: string;
}

const fail500 = () => ({
  error: { type: 'https://serverlessworkflow.io/spec/1.0.0/errors/communication', status: 500 },
});

const scenarios: Scenario[] = [
  {
    name: 'set-switch-goto',
    doc: `
      - inc: {set: {n: '\${ .n + 1 }'}}
      - check:
          switch:
            - again: {when: '.n < 3', then: inc}
            - done: {then: end}
    `,
    script: { input: { n: 0 } },
    output: { n: 3 },
  },
  {
    name: 'for-sequential-calls',
    doc: `
      - each:
          for: {each: x, in: '.xs'}
          do:
            - call: {call: f, with: {x: '\${ $x }'}, output: {as: '{last: $x}'}}
    `,
    script: { input: { xs: ['a', 'b'] } },
    output: { last: 'b' },
  },
  {
    name: 'for-break-without-in',
    doc: `
      - poll:
          for: {at: i}
          while: 'true'
          do:
            - probe: {call: probe, output: {as: '{i: $i}'}}
            - stop:
                switch:
                  - enough: {when: '.i >= 1', then: break}
    `,
    output: { i: 1 },
  },
  {
    name: 'raise-use-errors',
    doc: `
      - fail: {raise: {error: notAllowed}}
    `,
    head: `use:
  errors:
    notAllowed: {type: 'https://example.com/not-allowed', status: 403, title: Not allowed}
`,
    status: 'faulted',
  },
  {
    name: 'try-catch-retry-linear-then-do',
    doc: `
      - t:
          try:
            - c: {call: flaky}
          catch:
            as: e
            retry: {delay: {milliseconds: 100}, backoff: {linear: {}}, when: '$e.status == 500', limit: {attempt: {count: 3}}}
    `,
    script: { respond: fail500 },
    status: 'faulted',
  },
  {
    name: 'try-finally-on-error',
    doc: `
      - t:
          try:
            - c: {call: flaky}
          catch:
            do:
              - note: {set: {caught: true}}
          finally:
            - audit: {call: audit, export: {as: '{audited: true}'}}
      - after: {set: {data: '\${ . }', ctx: '\${ $context }'}}
    `,
    script: {
      respond: (c) =>
        c.type === 'ScheduleCall' && c.call === 'flaky' ? fail500() : { result: 'ok' },
    },
    output: { data: { caught: true }, ctx: { audited: true } },
  },
  {
    name: 'run-workflow-await-and-not',
    doc: `
      - fireAndForget: {run: {workflow: {namespace: test, name: side, version: '1.0.0'}, await: false}}
      - child: {run: {workflow: {namespace: test, name: sub, version: '1.0.0', input: {n: 1}}}}
    `,
    output: { child: 'sub' },
  },
  {
    name: 'wait-until',
    doc: `
      - later: {wait: {until: '2026-01-01T00:00:05Z'}}
    `,
    output: {},
  },
  {
    name: 'call-cache',
    doc: `
      - quote: {call: rates, with: {s: '\${ .s }'}, cache: {key: '.s', ttl: {minutes: 1}}}
    `,
    script: { input: { s: 'ACME' } },
    output: { ok: '/do/0/quote' },
  },
  {
    name: 'listen-all-correlated',
    doc: `
      - l:
          listen:
            to:
              all:
                - with: {type: a}
                  correlate: {k: {from: .data.k}}
                - with: {type: b}
                  correlate: {k: {from: .data.k}}
    `,
    script: {
      events: [
        {
          listen: 0,
          at: 1,
          event: { specversion: '1.0', id: '1', source: 's', type: 'a', data: { k: 1 } },
        },
        {
          listen: 0,
          at: 2,
          event: { specversion: '1.0', id: '2', source: 's', type: 'b', data: { k: 2 } },
        },
        {
          listen: 0,
          at: 3,
          event: { specversion: '1.0', id: '3', source: 's', type: 'b', data: { k: 1 } },
        },
      ],
    },
    output: [{ k: 1 }, { k: 1 }],
  },
  {
    name: 'workflow-timeout',
    doc: `
      - slow: {wait: PT1H}
    `,
    head: `timeout: {after: PT1M}
`,
    status: 'faulted',
  },
  {
    name: 'fork-compete-fault-first',
    doc: `
      - race:
          fork:
            compete: true
            branches:
              - slow: {wait: PT1H}
              - bad: {call: flaky}
    `,
    script: { respond: fail500 },
    status: 'faulted',
  },
  {
    // Jitter comes from the seed recorded in ExecutionStarted: the stored timers' fireAt
    // are exact numbers, so a change of PRNG or formula breaks this golden.
    name: 'retry-jitter',
    doc: `
      - t:
          try:
            - c: {call: flaky}
          catch:
            retry:
              delay: {seconds: 1}
              backoff: {exponential: {}}
              jitter: {from: {milliseconds: 100}, to: {seconds: 1}}
              limit: {attempt: {count: 3}}
    `,
    script: { seed: 'jitter-seed', respond: fail500 },
    status: 'faulted',
  },
  {
    name: 'fork-branch-end',
    doc: `
      - both:
          fork:
            branches:
              - guarded:
                  try:
                    - slow: {wait: PT1H}
                  finally:
                    - release: {call: release}
              - quick:
                  wait: PT1S
                  then: end
      - never: {set: {never: true}}
    `,
    output: {},
  },
  {
    name: 'cancel-during-finally',
    doc: `
      - guarded:
          try:
            - work: {call: flaky}
          finally:
            - release: {call: release}
            - audit: {call: audit}
    `,
    script: {
      cancelAt: 15,
      respond: (c) => (c.taskId.endsWith('/work') ? fail500() : { result: 'ok' }),
    },
    status: 'cancelled',
  },
];

describe('golden histories', () => {
  for (const s of scenarios) {
    it(`replays ${s.name} with the exact commands`, () => {
      const run = golden(s.name, tasks(s.doc, s.head), s.script);
      expect(run.execution.status).toBe(s.status ?? 'completed');
      if (s.output !== undefined) expect(run.execution.output).toEqual(s.output);
    });
  }
});
