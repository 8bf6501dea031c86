// `weft keys create --role reader|operator|admin (--namespace NS[,NS] | --all-namespaces)
// [--name N]`, `weft keys list`, `weft keys revoke ID`: API keys in $WEFT_HOME/keys.json
// (docs/api.md). The key is printed once, on create; the file keeps only its sha256.
import { out, parseFlags, str } from '../client/args.js';
import { KeyRing, keysFile, roles, type Role } from '../server/keys.js';

const usage = `Usage: weft keys create --role reader|operator|admin (--namespace NS[,NS...] | --all-namespaces) [--name NAME]
       weft keys list
       weft keys revoke ID
Keys are kept hashed in $WEFT_HOME/keys.json; the key itself is shown once.
`;

export function run(args: string[]): Promise<number> {
  return Promise.resolve(main(args));
}

function fail(message: string): number {
  process.stderr.write(`weft keys: ${message}\n\n${usage}`);
  return 2;
}

function main(args: string[]): number {
  const [verb, ...rest] = args;
  if (verb === '--help' || verb === undefined) {
    (verb ? process.stdout : process.stderr).write(usage);
    return verb ? 0 : 2;
  }
  const ring = new KeyRing(keysFile());
  const p = parseFlags(rest, ['role', 'namespace', 'name'], ['all-namespaces']);
  if (typeof p === 'string') return fail(p);
  if (verb === 'list') {
    out(ring.list().map(({ hash: _hash, ...k }) => k));
    return 0;
  }
  if (verb === 'revoke') {
    const id = p.positionals[0];
    if (!id) return fail('revoke needs the key ID (weft keys list shows them)');
    if (!ring.revoke(id)) return fail(`no active key with id ${id}`);
    process.stderr.write(`weft keys: revoked ${id}\n`);
    return 0;
  }
  if (verb !== 'create') return fail(`unknown subcommand '${verb}'`);
  const role = str(p, 'role');
  if (!role || !roles.includes(role as Role))
    return fail('--role must be reader, operator or admin');
  const ns = str(p, 'namespace');
  const all = p.flags.has('all-namespaces');
  if (!ns === !all) return fail('give either --namespace NS[,NS] or --all-namespaces');
  const namespaces = all
    ? '*'
    : ns!
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
  const name = str(p, 'name');
  const { key, token } = ring.create(role as Role, namespaces, name);
  process.stderr.write(`weft keys: created ${key.id}; the key is shown once, keep it:\n`);
  process.stdout.write(token + '\n');
  return 0;
}
