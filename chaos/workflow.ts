// The chaos workflows: the first call of the ledger over HTTP (each call sends its
// idempotency key as Idempotency-Key), retried after a durable delay when the ledger
// answers 503 (it does, to the first attempt of every fourth execution: ledger.ts), a
// durable timer, the second call in a child execution (`run: workflow`), whose result the
// parent takes as its own, two calls at once in the branches of a `fork`, a fork that
// emits an event and listens for it (correlated by i), and last a `for` whose three
// iterations call at once (concurrency 3). The output is known from the input alone:
// {i, one: 10i+1, two: 10i+2, three: 10i+3, four: 10i+4, heard: i, loop: [10i+5, 10i+6,
// 10i+7]}. A crash may catch the child in flight, being created, or finishing: its result
// must reach the parent once, and a second child must never be made; a crash in the
// retry's delay must neither skip nor repeat it; a crash with both branches' calls in
// flight must run them again and join them once; an emit in flight at a crash emits the
// same event again (the same id), stored once, and the listen finds it; iterations in
// flight run again with their own keys, and the loop's outputs keep their order
// (verify.ts).
const namespace = 'chaos';
const version = '1.0.0';
export const chaosRef = { namespace, name: 'ledger', version };
export const chaosChildRef = { namespace, name: 'ledger-two', version };

const call = (ledgerUrl: string, step: string) => ({
  call: 'http',
  with: {
    method: 'post',
    endpoint: `${ledgerUrl}/effect`,
    body: { i: '${ .i }', step },
  },
});

/** The documents to register, the child first. */
export function chaosWorkflows(ledgerUrl: string, waitMs: number): string[] {
  const child = {
    document: { dsl: '1.0.0', ...chaosChildRef },
    do: [{ two: call(ledgerUrl, 'two') }],
  };
  const parent = {
    document: { dsl: '1.0.0', ...chaosRef },
    do: [
      {
        one: {
          try: [
            {
              call: {
                ...call(ledgerUrl, 'one'),
                // export.as sees the transformed output (DSL 1.0), so `one` goes through it
                output: { as: '${ { i: .i, one: .value } }' },
                export: { as: '${ { one: .one } }' },
              },
            },
          ],
          catch: {
            errors: { with: { status: 503 } },
            retry: { delay: { milliseconds: 30 }, limit: { attempt: { count: 3 } } },
          },
        },
      },
      { pause: { wait: { milliseconds: waitMs } } },
      {
        two: {
          run: { workflow: { ...chaosChildRef, input: { i: '${ .i }' } } },
          output: { as: '${ { i: .i, one: $context.one, two: .value } }' },
        },
      },
      {
        both: {
          fork: {
            branches: [{ three: call(ledgerUrl, 'three') }, { four: call(ledgerUrl, 'four') }],
          },
          output: { as: '${ $input + { three: .[0].value, four: .[1].value } }' },
        },
      },
      {
        ping: {
          fork: {
            branches: [
              {
                hear: {
                  listen: {
                    to: {
                      one: {
                        with: { type: pingType },
                        correlate: { i: { from: '${ .data.i }', expect: '${ .i }' } },
                      },
                    },
                  },
                },
              },
              {
                say: {
                  emit: {
                    event: {
                      with: {
                        type: pingType,
                        source: 'https://chaos.weft/ping',
                        data: { i: '${ .i }' },
                      },
                    },
                  },
                },
              },
            ],
          },
          // a listen's output is the list of the events it consumed (their data)
          output: { as: '${ $input + { heard: .[0][0].i } }' },
        },
      },
      {
        loop: {
          for: { each: 'n', in: '${ [5, 6, 7] }', concurrency: 3 },
          do: [
            {
              each: {
                call: 'http',
                with: {
                  method: 'post',
                  endpoint: `${ledgerUrl}/effect`,
                  body: { i: '${ .i }', step: 'loop', n: '${ $n }' },
                },
              },
            },
          ],
          output: { as: '${ $input + { loop: [.[].value] } }' },
        },
      },
    ],
  };
  return [JSON.stringify(child), JSON.stringify(parent)];
}

/** The ledger answers 503 to the first attempt of `one` for these executions. */
export function failsFirst(i: number): boolean {
  return i % 4 === 0;
}

/** How many executions of 0..count-1 retry `one` once. */
export function retriedOf(count: number): number {
  return Math.ceil(count / 4);
}

/** The type of the event each execution emits and listens for. */
export const pingType = 'chaos.ping';

/** The ledger's calls of one execution (its child's included), retries apart. */
export const steps = ['one', 'two', 'three', 'four'];

export function expectedOutput(i: number): Record<string, number | number[]> {
  const v = (n: number) => 10 * i + n;
  return { i, one: v(1), two: v(2), three: v(3), four: v(4), heard: i, loop: [v(5), v(6), v(7)] };
}
