// The chaos workflow: two calls of the ledger over HTTP (each sends its idempotency key
// as Idempotency-Key) with a durable timer between them. Its output is known from the
// input alone: {i, one: 10i+1, two: 10i+2}.
export function chaosWorkflow(ledgerUrl: string, waitMs: number): string {
  const call = (step: string) => ({
    call: 'http',
    with: {
      method: 'post',
      endpoint: `${ledgerUrl}/effect`,
      body: { i: '${ .i }', step },
    },
  });
  return JSON.stringify({
    document: { dsl: '1.0.0', namespace: 'chaos', name: 'ledger', version: '1.0.0' },
    do: [
      {
        one: {
          ...call('one'),
          // export.as sees the transformed output (DSL 1.0), so `one` goes through it
          output: { as: '${ { i: .i, one: .value } }' },
          export: { as: '${ { one: .one } }' },
        },
      },
      { pause: { wait: { milliseconds: waitMs } } },
      {
        two: {
          ...call('two'),
          output: { as: '${ { i: .i, one: $context.one, two: .value } }' },
        },
      },
    ],
  });
}

export function expectedOutput(i: number): { i: number; one: number; two: number } {
  return { i, one: 10 * i + 1, two: 10 * i + 2 };
}
