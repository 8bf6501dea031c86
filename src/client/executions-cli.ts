// `weft executions list|get|history|follow|cancel|terminate|suspend|resume ... --server URL`: the
// executions of a weft server through the client (WEFT_SERVER, WEFT_KEY). Lives here,
// beside the client, so that a local `weft executions` (src/cli/executions.ts, the
// durable engine's) can delegate to it when --server or WEFT_SERVER is given.
import { guard, out, parseFlags, str } from './args.js';
import { clientFromEnv, type ExecutionQuery } from './index.js';

export const usage = `Usage: weft executions list [--namespace NS] [--workflow NAME] [--status a,b] [--since T] [--until T] [--limit N] [--cursor C]
       weft executions get ID
       weft executions history ID [--after SEQ]
       weft executions follow ID [--after SEQ]
       weft executions cancel ID [--reason TEXT]
       weft executions terminate ID [--reason TEXT]   (at once, without finally blocks)
       weft executions suspend ID | resume ID   (resume: also runs a parked execution again)
Options: --server URL (or WEFT_SERVER); the API key is read from WEFT_KEY.
`;

const valued = [
  'server',
  'namespace',
  'workflow',
  'status',
  'since',
  'until',
  'limit',
  'cursor',
  'after',
  'reason',
];

export async function run(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === undefined || verb === '--help') {
    (verb ? process.stdout : process.stderr).write(usage);
    return verb ? 0 : 2;
  }
  const p = parseFlags(rest, valued);
  if (typeof p === 'string') {
    process.stderr.write(`weft executions: ${p}\n\n${usage}`);
    return 2;
  }
  const id = p.positionals[0];
  if (verb !== 'list' && !id) {
    process.stderr.write(`weft executions ${verb}: the execution ID is required\n\n${usage}`);
    return 2;
  }
  const client = clientFromEnv(str(p, 'server'));
  return guard(async () => {
    switch (verb) {
      case 'list': {
        const q: ExecutionQuery = {};
        for (const k of ['namespace', 'workflow', 'since', 'until', 'cursor'] as const) {
          const v = str(p, k);
          if (v !== undefined) q[k] = v;
        }
        const status = str(p, 'status');
        if (status) q.status = status.split(',') as ExecutionQuery['status'];
        const limit = str(p, 'limit');
        if (limit) q.limit = Number(limit);
        out(await client.listExecutions(q));
        return 0;
      }
      case 'get':
        out(await client.getExecution(id!));
        return 0;
      case 'history':
        out(await client.history(id!, Number(str(p, 'after') ?? 0)));
        return 0;
      case 'follow':
        await client.follow(id!, (m) => out(m), Number(str(p, 'after') ?? 0));
        return 0;
      case 'cancel':
        out(await client.cancel(id!, str(p, 'reason')));
        return 0;
      case 'terminate':
        out(await client.terminate(id!, str(p, 'reason')));
        return 0;
      case 'suspend':
        out(await client.suspend(id!));
        return 0;
      case 'resume':
        out(await client.resume(id!));
        return 0;
      default:
        process.stderr.write(`weft executions: unknown subcommand '${verb}'\n\n${usage}`);
        return 2;
    }
  });
}
