// `weft start NAMESPACE/NAME[@VERSION] [--input JSON|@file] [--idempotency-key K]
// [--follow] [--server URL]`: starts an execution on a server and prints it (with
// --follow, prints each history event as it is committed and exits 0 when the execution
// completed, 1 otherwise).
import { guard, jsonArg, out, parseFlags, str } from '../client/args.js';
import { clientFromEnv } from '../client/index.js';
import type { Json } from '../history/events.js';

const usage = `Usage: weft start NAMESPACE/NAME[@VERSION] [--input JSON|@file] [--idempotency-key KEY] [--follow] [--server URL]

Starts an execution on a weft server (--server or WEFT_SERVER; key in WEFT_KEY).
`;

export function parseRef(
  s: string,
): { namespace: string; name: string; version?: string } | undefined {
  const m = /^([^/@]+)\/([^/@]+)(?:@(.+))?$/.exec(s);
  if (!m) return undefined;
  return { namespace: m[1]!, name: m[2]!, ...(m[3] ? { version: m[3] } : {}) };
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help')) {
    process.stdout.write(usage);
    return 0;
  }
  const p = parseFlags(args, ['input', 'idempotency-key', 'server'], ['follow']);
  const ref = typeof p === 'string' ? undefined : parseRef(p.positionals[0] ?? '');
  if (typeof p === 'string' || !ref || p.positionals.length !== 1) {
    process.stderr.write(
      `weft start: ${typeof p === 'string' ? p : 'one NAMESPACE/NAME[@VERSION] is required'}\n\n${usage}`,
    );
    return 2;
  }
  return guard(async () => {
    const client = clientFromEnv(str(p, 'server'));
    const input = str(p, 'input');
    const key = str(p, 'idempotency-key');
    const r = await client.start(
      ref,
      input === undefined ? undefined : ((await jsonArg(input)) as Json),
      key ? { idempotencyKey: key } : {},
    );
    if (!p.flags.has('follow')) {
      out(r.execution);
      return 0;
    }
    await client.follow(r.execution.id, (m) => {
      if (m.kind === 'history') out({ seq: m.seq, event: m.event });
    });
    const done = await client.getExecution(r.execution.id);
    out(done.status);
    return done.status.state === 'completed' ? 0 : 1;
  });
}
