// The ledger: a local HTTP server (127.0.0.1 only) that records every call of an effect
// with its Idempotency-Key and arrival time, answers after a random delay (so kills find
// effects in flight), and computes value = 10*i + n for the n-th step of workflow.ts's
// `steps` (one: 1, two: 2, three: 3, four: 4). The first attempt
// of `one` for the executions of workflow.ts's failsFirst gets a 503 (its key ends in
// `/0`; a retry's ends in `/r1`, ...), whenever it comes.
import { type Server, createServer } from 'node:http';
import { failsFirst, steps } from './workflow.js';

export interface LedgerCall {
  i: number;
  step: string;
  key: string | undefined;
  at: number;
  /** Who called: the path before /effect (chaos/multi-run.ts maps each worker process to
   *  its own prefix with WEFT_HOST_MAP); '' for a plain /effect. */
  by: string;
}

export interface Ledger {
  url: string;
  calls: LedgerCall[];
  /** Called after each recorded call (the harness times its kills with it). */
  onCall?: () => void;
  close(): Promise<void>;
}

export async function startLedger(maxDelayMs = 40, random = Math.random): Promise<Ledger> {
  const calls: LedgerCall[] = [];
  const ledger: Partial<Ledger> = {};
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const { i, step, n } = JSON.parse(body) as { i: number; step: string; n?: number };
      const key = req.headers['idempotency-key'];
      const by = (req.url ?? '').replace(/\/effect$/, '').replace(/^\//, '');
      calls.push({ i, step, key: typeof key === 'string' ? key : undefined, at: Date.now(), by });
      ledger.onCall?.();
      const fail = step === 'one' && failsFirst(i) && typeof key === 'string' && key.endsWith('/0');
      setTimeout(
        () => {
          res.setHeader('content-type', 'application/json');
          if (fail) {
            res.statusCode = 503;
            res.end(JSON.stringify({ title: 'first attempts fail here' }));
            return;
          }
          // a `loop` iteration's value is 10i + its n
          const value = 10 * i + (n ?? steps.indexOf(step) + 1);
          res.end(JSON.stringify({ i, step, value }));
        },
        Math.floor(random() * maxDelayMs),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return Object.assign(ledger, {
    url: `http://127.0.0.1:${address.port}`,
    calls,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
}
