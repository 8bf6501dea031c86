// `weft validate [--strict] [--supported-only] [--json] FILE...`: checks workflow
// documents without running them. Exit 0 when every file is valid, 2 otherwise.
// Diagnostics go to stderr as `file:line:col: message (at /pointer)`; with --json,
// stdout gets one JSON array of {file, path, line, col, message, severity?}.
// "not supported yet" features are warnings here (the document is valid DSL) and
// errors with --supported-only (what `weft run` and registration do).
import { readFileSync, statSync } from 'node:fs';
import { DEFAULT_PARSE_LIMITS, formatDiagnostic, isError, loadWorkflows } from '../dsl/index.js';
import type { Diagnostic } from '../dsl/index.js';

const USAGE = `Usage: weft validate [--strict] [--supported-only] [--json] FILE...

Checks Serverless Workflow DSL 1.0 documents (YAML or JSON; several YAML documents
per file are allowed; - reads stdin). Exit 0 when all are valid, 2 otherwise.

  --strict          reject weft's extensions (fork.quorum, for.concurrency, ...)
  --supported-only  reject features weft cannot run yet (run: shell, call: grpc, ...)
  --json            print the diagnostics as a JSON array on stdout
`;

export interface FileDiagnostic extends Diagnostic {
  file: string;
}

/** Reads and checks one file; a file that cannot be read is a diagnostic too. */
export function validateFile(
  file: string,
  options: { strict?: boolean; supportedOnly?: boolean },
): FileDiagnostic[] {
  const at = (message: string): FileDiagnostic[] => [{ file, path: '', line: 1, col: 1, message }];
  let text: string;
  try {
    if (file === '-') {
      const input = readFileSync(0);
      if (input.length > DEFAULT_PARSE_LIMITS.maxBytes) return at(tooBig(input.length));
      text = input.toString('utf8').replace(/^\uFEFF/, '');
      return check(file, text, options);
    }
    const stat = statSync(file);
    if (stat.isDirectory()) return at('is a directory, not a workflow file');
    // Refuse before reading: the parser would refuse anyway, after the memory is spent.
    if (stat.size > DEFAULT_PARSE_LIMITS.maxBytes) return at(tooBig(stat.size));
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return at('file not found');
    if (code === 'EACCES') return at('permission denied');
    return at(`cannot read: ${e instanceof Error ? e.message : String(e)}`);
  }
  return check(file, text, options);
}

function check(
  file: string,
  text: string,
  options: { strict?: boolean; supportedOnly?: boolean },
): FileDiagnostic[] {
  const filename = file === '-' ? undefined : file;
  const { diagnostics } = loadWorkflows(text, { filename, ...options });
  return diagnostics.map((d) => ({ file, ...d }));
}

function tooBig(bytes: number): string {
  const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;
  return `document is ${mb(bytes)}; the maximum is ${mb(DEFAULT_PARSE_LIMITS.maxBytes)} (limit maxBytes)`;
}

export async function run(args: string[]): Promise<number> {
  const files: string[] = [];
  const options = { strict: false, supportedOnly: false };
  let json = false;
  for (const arg of args) {
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      return 0;
    } else if (arg === '--strict') options.strict = true;
    else if (arg === '--supported-only') options.supportedOnly = true;
    else if (arg === '--json') json = true;
    else if (arg.startsWith('--')) {
      process.stderr.write(`weft validate: unknown option '${arg}'\n\n${USAGE}`);
      return 2;
    } else files.push(arg);
  }
  if (files.length === 0) {
    process.stderr.write(`weft validate: no file given\n\n${USAGE}`);
    return 2;
  }
  const all = files.flatMap((f) => validateFile(f, options));
  if (json) {
    process.stdout.write(JSON.stringify(all, null, 2) + '\n');
  } else {
    for (const d of all) process.stderr.write(formatDiagnostic(d, d.file) + '\n');
  }
  return all.some(isError) ? 2 : 0;
}
