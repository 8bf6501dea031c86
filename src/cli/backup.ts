// `weft backup DEST [--store URL]`: an online, consistent copy of the SQLite store
// (src/store/sqlite/backup.ts; docs/operations.md "Backups"). PostgreSQL stores are
// refused with a pointer to PostgreSQL's own tools.
import { resolve } from 'node:path';
import { StoreConfigError, storeSpec, takeStoreFlag } from '../runtime/durable/home.js';
import { BackupError, backupSqlite } from '../store/sqlite/backup.js';

const usage = `Usage: weft backup DEST [--store URL]

Copies the SQLite store to DEST while weft keeps running: a consistent snapshot (one read
transaction), checked (quick_check) and fsynced before it appears under its name. DEST
must not exist; its folder is created. Prints one JSON line:
{"backup","bytes","executions","workflows","migration","ms"}.
  --store URL   sqlite:PATH or a path (default $WEFT_STORE, else $WEFT_HOME/weft.db)
A PostgreSQL store is backed up with PostgreSQL's tools (pg_dump --schema NAME).
Exit codes: 0 done, 1 the copy failed its check (nothing is left at DEST), 2 bad usage,
or a store or destination that cannot be used.
`;

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  const parsed = takeStoreFlag(args);
  const fail = (why: string) => {
    process.stderr.write(`weft backup: ${why}\n\n${usage}`);
    return 2;
  };
  if (typeof parsed === 'string') return fail(parsed);
  const [dest, ...extra] = parsed.rest;
  if (dest === undefined || dest.startsWith('-'))
    return fail('DEST (the file to write) is required');
  if (extra.length > 0) return fail(`unexpected argument '${extra[0]}'`);
  let spec;
  try {
    spec = storeSpec(parsed.store);
  } catch (e) {
    if (!(e instanceof StoreConfigError)) throw e;
    process.stderr.write(`weft backup: ${e.message}\n`);
    return 2;
  }
  if (spec.kind === 'postgres') {
    process.stderr.write(
      `weft backup: ${spec.from}: the store is PostgreSQL (schema ${spec.schema}); back it up ` +
        `with PostgreSQL's tools, e.g. pg_dump --schema ${spec.schema} (docs/operations.md "Backups")\n`,
    );
    return 2;
  }
  try {
    const r = backupSqlite(spec.path, resolve(dest));
    process.stdout.write(
      JSON.stringify({
        backup: r.path,
        bytes: r.bytes,
        executions: r.executions,
        workflows: r.workflows,
        migration: r.migration,
        ms: r.ms,
      }) + '\n',
    );
    return 0;
  } catch (e) {
    if (!(e instanceof BackupError)) throw e;
    const from = e.side === 'source' ? `${spec.from}: ` : '';
    process.stderr.write(`weft backup: ${from}${e.message}\n`);
    return e.side === 'check' ? 1 : 2;
  }
}
