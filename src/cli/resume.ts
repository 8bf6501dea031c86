// `weft resume`: finishes every unfinished execution in the store under $WEFT_HOME and
// prints one JSON line per execution as it ends: {id, status, output | error | reason}.
// Parked executions (determinism, dead-letter) are printed with their reason and left
// parked. Exit 0 when every one completed, 1 otherwise (faulted, cancelled, parked).
import { DurableEngine } from '../runtime/durable/engine.js';
import { openHomeStore } from '../runtime/durable/home.js';
import type { Outcome } from '../runtime/started.js';

const usage = `Usage: weft resume

Resumes every unfinished execution in $WEFT_HOME/weft.db (default ./.weft) and waits for
each to end, printing one JSON line per execution: {"id","status","output"|"error"|"reason"}.
Exit codes: 0 all completed, 1 some did not (faulted, cancelled or parked).
`;

function line(id: string, o: Outcome): string {
  if (o.status === 'completed') return JSON.stringify({ id, status: o.status, output: o.output });
  if (o.status === 'faulted') return JSON.stringify({ id, status: o.status, error: o.error });
  return JSON.stringify({ id, status: o.status, ...(o.reason ? { reason: o.reason } : {}) });
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  if (args.length > 0) {
    process.stderr.write(`weft resume: unexpected argument '${args[0]}'\n\n${usage}`);
    return 2;
  }
  const store = openHomeStore();
  const engine = new DurableEngine({ store });
  let code = 0;
  try {
    const { resumed, parked } = await engine.recover();
    for (const id of parked) {
      const record = await engine.get(id);
      const status = record?.status;
      process.stdout.write(
        JSON.stringify({
          id,
          status: 'parked',
          ...(status?.state === 'parked'
            ? { reason: status.reason, ...(status.detail ? { detail: status.detail } : {}) }
            : { reason: 'unrecoverable' }),
        }) + '\n',
      );
      code = 1;
    }
    await Promise.all(
      resumed.map(async (id) => {
        const handle = await engine.handle(id);
        if (!handle) return;
        const o = await handle.outcome;
        if (o.status !== 'completed') code = 1;
        process.stdout.write(line(id, o) + '\n');
      }),
    );
    return code;
  } finally {
    await engine.close();
    await store.close();
  }
}
