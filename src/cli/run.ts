// `weft run FILE [--input JSON|@file] [--secrets @file]` (DESIGN.md "Interfaces"): runs
// one execution of the first workflow in FILE to its end and prints its output JSON on
// stdout. Every document of a multi-document file is registered, so the first can
// `run: workflow` the others. Exit codes: 0 completed; 1 faulted (the error as RFC 7807
// problem JSON on stderr); 2 the document, the input or the options are invalid
// (diagnostics `file:line:col: message` on stderr; input failing input.schema too).
// The execution is durable: it lives in the store (--store URL, WEFT_STORE, or the SQLite
// file $WEFT_HOME/weft.db, home.ts); if the process dies, `weft resume` finishes it. A workflow version
// already in that store with other content is refused (exit 2): bump document.version.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Json } from '../history/events.js';
import { ExecutionFaultedError, InputValidationError } from '../runtime/engine.js';
import { DurableEngine } from '../runtime/durable/engine.js';
import { openStoreFor } from '../runtime/durable/home.js';
import { ProblemError } from '../runtime/problems.js';
import { WorkflowDefinitionError } from '../runtime/registry.js';
import { loadSecretsFile } from '../runtime/secrets.js';
import { ConflictError } from '../store/errors.js';

const usage = `Usage: weft run FILE [--input JSON|@file] [--secrets @file] [--store URL]

Runs one execution of the first workflow in FILE and prints its output as JSON.
  --input JSON|@file   the workflow input (JSON text, or @path to a JSON/YAML file); default {}
  --secrets @file      secrets for $secrets (JSON/YAML object); WEFT_SECRET_<NAME> also works
  --store URL          postgres://...[?schema=NAME], sqlite:PATH or a path (default
                       $WEFT_STORE, else $WEFT_HOME/weft.db)
Exit codes: 0 completed, 1 faulted (problem JSON on stderr), 2 invalid document or input.
`;

interface Options {
  file: string;
  input?: string;
  secrets?: string;
  store?: string;
}

function parseArgs(args: string[]): Options | string {
  let file: string | undefined;
  const o: Partial<Options> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const [flag, inline] =
      a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    if (flag === '--input' || flag === '--secrets' || flag === '--store') {
      const value = inline ?? args[++i];
      if (value === undefined || (flag === '--store' && value === ''))
        return `${flag} needs a value`;
      if (flag === '--input') o.input = value;
      else if (flag === '--secrets') o.secrets = value;
      else o.store = value;
    } else if (a.startsWith('-')) return `unknown option '${a}'`;
    else if (file === undefined) file = a;
    else return `only one FILE may be given (got '${file}' and '${a}')`;
  }
  if (file === undefined) return 'FILE is required';
  return { ...o, file };
}

function readInput(spec: string | undefined): Json {
  if (spec === undefined) return {};
  if (spec.startsWith('@')) {
    const path = spec.slice(1);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(
        `--input: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
        { cause: e },
      );
    }
    // A parser's message quotes the text it choked on: for a binary file that is
    // kilobytes of control characters, so say what the file is instead.
    if (looksBinary(text)) throw new Error(`--input: ${path} is a binary file, not JSON or YAML`);
    try {
      return parseYaml(text) as Json;
    } catch (e) {
      throw new Error(`--input: ${path} is neither JSON nor YAML: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
  try {
    return JSON.parse(spec) as Json;
  } catch (e) {
    throw new Error(`--input: not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/** NUL or other C0 controls (besides tab, newline, carriage return) in the first 8 KB. */
function looksBinary(text: string): boolean {
  const head = text.slice(0, 8192);
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return true;
  }
  return false;
}

function fail(message: string): number {
  process.stderr.write(`weft run: ${message}\n`);
  return 2;
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  const opts = parseArgs(args);
  if (typeof opts === 'string') return fail(`${opts}\n\n${usage}`);
  let text: string;
  try {
    text = readFileSync(opts.file, 'utf8');
  } catch (e) {
    // Same wording as `weft validate`: file:line:col: message.
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EACCES'
          ? 'permission denied'
          : `cannot read: ${code ?? String(e)}`;
    process.stderr.write(`${opts.file}:1:1: ${why}\n`);
    return 2;
  }
  let input: Json;
  let secrets: Record<string, Json> = {};
  try {
    input = readInput(opts.input);
    if (opts.secrets !== undefined) {
      if (!opts.secrets.startsWith('@')) return fail('--secrets takes @file');
      secrets = loadSecretsFile(opts.secrets.slice(1));
    }
  } catch (e) {
    return fail((e as Error).message);
  }
  const opened = await openStoreFor('run', opts.store);
  if (typeof opened === 'number') return opened;
  const { store } = opened;
  const engine = new DurableEngine({ store, secrets });
  try {
    const [first] = await engine.register(text, opts.file);
    const output = await (await engine.start(first!, input)).result();
    process.stdout.write(JSON.stringify(output, null, 2) + '\n');
    return 0;
  } catch (e) {
    if (e instanceof WorkflowDefinitionError) {
      process.stderr.write(e.diagnostics.join('\n') + '\n');
      return 2;
    }
    if (e instanceof ConflictError) return fail(`${opts.file}: ${e.message}`);
    if (e instanceof InputValidationError) {
      process.stderr.write(JSON.stringify(e.problem, null, 2) + '\n');
      return 2;
    }
    if (e instanceof ExecutionFaultedError) {
      process.stderr.write(JSON.stringify(e.problem, null, 2) + '\n');
      return 1;
    }
    if (e instanceof ProblemError) {
      process.stderr.write(JSON.stringify(e.problem, null, 2) + '\n');
      return 2;
    }
    throw e;
  } finally {
    await engine.close();
    await store.close();
  }
}
