// The chaos workflows: the first call of the ledger over HTTP (each call sends its
// idempotency key as Idempotency-Key), a durable timer, then the second call in a child
// execution (`run: workflow`), whose result the parent takes as its own. The output is
// known from the input alone: {i, one: 10i+1, two: 10i+2}. A crash may catch the child
// in flight, being created, or finishing: its result must reach the parent once, and a
// second child must never be made (verify.ts).
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
          ...call(ledgerUrl, 'one'),
          // export.as sees the transformed output (DSL 1.0), so `one` goes through it
          output: { as: '${ { i: .i, one: .value } }' },
          export: { as: '${ { one: .one } }' },
        },
      },
      { pause: { wait: { milliseconds: waitMs } } },
      {
        two: {
          run: { workflow: { ...chaosChildRef, input: { i: '${ .i }' } } },
          output: { as: '${ { i: .i, one: $context.one, two: .value } }' },
        },
      },
    ],
  };
  return [JSON.stringify(child), JSON.stringify(parent)];
}

export function expectedOutput(i: number): { i: number; one: number; two: number } {
  return { i, one: 10 * i + 1, two: 10 * i + 2 };
}
