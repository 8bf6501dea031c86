// `weft approvals list [--namespace NS]` and `weft approvals answer ID --answer JSON|@file`
// against a weft server (--server or WEFT_SERVER; key in WEFT_KEY). docs/api.md "Human tasks".
import { guard, jsonArg, out, parseFlags, str } from '../client/args.js';
import { clientFromEnv } from '../client/index.js';
import type { Json } from '../history/events.js';

const usage = `Usage: weft approvals list [--namespace NS] [--server URL]
       weft approvals answer ID --answer JSON|@file [--server URL]
`;

export async function run(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  const p = parseFlags(rest, ['namespace', 'answer', 'server']);
  if (verb === '--help') {
    process.stdout.write(usage);
    return 0;
  }
  if (typeof p === 'string' || (verb !== 'list' && verb !== 'answer')) {
    process.stderr.write(
      `weft approvals: ${typeof p === 'string' ? p : 'list or answer'}\n\n${usage}`,
    );
    return 2;
  }
  const client = clientFromEnv(str(p, 'server'));
  if (verb === 'list')
    return guard(async () => (out(await client.listApprovals(str(p, 'namespace'))), 0));
  const id = p.positionals[0];
  const answer = str(p, 'answer');
  if (!id || answer === undefined) {
    process.stderr.write(`weft approvals answer: ID and --answer are required\n\n${usage}`);
    return 2;
  }
  return guard(
    async () => (out(await client.answerApproval(id, (await jsonArg(answer)) as Json)), 0),
  );
}
