// `weft events send --type T [--source S] [--id ID] [--data JSON|@file] [--server URL]`
// or `weft events send @events.json` (one CloudEvent or an array: a batch).
import { randomUUID } from 'node:crypto';
import { guard, jsonArg, out, parseFlags, str } from '../client/args.js';
import { clientFromEnv, type CloudEvent } from '../client/index.js';
import type { Json } from '../history/events.js';

const usage = `Usage: weft events send --type TYPE [--source SOURCE] [--id ID] [--subject S] [--data JSON|@file] [--server URL]
       weft events send @FILE            (a CloudEvent, or an array of them: a batch)
`;

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args[0] !== 'send') {
    (args.includes('--help') ? process.stdout : process.stderr).write(usage);
    return args.includes('--help') ? 0 : 2;
  }
  const p = parseFlags(args.slice(1), ['type', 'source', 'id', 'subject', 'data', 'server']);
  if (typeof p === 'string') {
    process.stderr.write(`weft events: ${p}\n\n${usage}`);
    return 2;
  }
  const file = p.positionals[0];
  const type = str(p, 'type');
  if (!file && !type) {
    process.stderr.write(`weft events send: --type or @FILE is required\n\n${usage}`);
    return 2;
  }
  return guard(async () => {
    const client = clientFromEnv(str(p, 'server'));
    let events: CloudEvent | CloudEvent[];
    if (file) {
      events = (await jsonArg(file)) as CloudEvent | CloudEvent[];
    } else {
      const data = str(p, 'data');
      const subject = str(p, 'subject');
      events = {
        specversion: '1.0',
        id: str(p, 'id') ?? randomUUID(),
        source: str(p, 'source') ?? '/weft/cli',
        type: type!,
        time: new Date().toISOString(),
        ...(subject ? { subject } : {}),
        ...(data === undefined
          ? {}
          : { datacontenttype: 'application/json', data: (await jsonArg(data)) as Json }),
      };
    }
    out(await client.sendEvents(events));
    return 0;
  });
}
