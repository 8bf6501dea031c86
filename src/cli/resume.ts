// `weft resume [--store URL]`: finishes every unfinished execution in the store and
// prints one JSON line per execution as it ends: {id, status, output | error | reason}.
// Parked executions (determinism, dead-letter) are printed with their reason and left
// parked. Exit 0 when every one completed, 1 otherwise (faulted, cancelled, parked).
import { DurableEngine } from '../runtime/durable/engine.js';
import { openStoreFor, takeStoreFlag } from '../runtime/durable/home.js';
import type { Outcome } from '../runtime/started.js';
import { unlessInUse } from './refusals.js';

const usage = `Usage: weft resume [--store URL]

Resumes every unfinished execution in the store and waits for each to end, printing one
JSON line per execution: {"id","status","output"|"error"|"reason"}.
  --store URL   postgres://...[?schema=NAME], sqlite:PATH or a path (default $WEFT_STORE,
                else $WEFT_HOME/weft.db, WEFT_HOME default ./.weft)
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
  const parsed = takeStoreFlag(args);
  if (typeof parsed === 'string' || parsed.rest.length > 0) {
    const why = typeof parsed === 'string' ? parsed : `unexpected argument '${parsed.rest[0]}'`;
    process.stderr.write(`weft resume: ${why}\n\n${usage}`);
    return 2;
  }
  const opened = await openStoreFor('resume', parsed.store);
  if (typeof opened === 'number') return opened;
  const { store } = opened;
  const engine = new DurableEngine({ store });
  const recovered = await unlessInUse('resume', engine, store, () => engine.recover());
  if (recovered === 2) return 2;
  let code = 0;
  try {
    const { resumed, parked } = recovered;
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
