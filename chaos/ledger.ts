// The ledger: a local HTTP server (127.0.0.1 only) that records every call of an effect
// with its Idempotency-Key and arrival time, answers after a random delay (so kills find
// effects in flight), and computes value = 10*i + (step one: 1, two: 2).
import { type Server, createServer } from 'node:http';

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
      const { i, step } = JSON.parse(body) as { i: number; step: string };
      const key = req.headers['idempotency-key'];
      const by = (req.url ?? '').replace(/\/effect$/, '').replace(/^\//, '');
      calls.push({ i, step, key: typeof key === 'string' ? key : undefined, at: Date.now(), by });
      ledger.onCall?.();
      setTimeout(
        () => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ i, step, value: 10 * i + (step === 'one' ? 1 : 2) }));
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
