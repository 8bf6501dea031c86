// `weft jq [-c] [-n] [-r] [-j] [--arg NAME VALUE] [--argjson NAME JSON] FILTER`: runs a
// jq filter over a stream of JSON values from stdin with weft's own jq, printing like jq.
// Exit codes as jq's: 0 ok, 2 bad usage or invalid JSON input, 3 compile error, 5 when
// some input met a runtime error (the remaining inputs still run, as in jq).
// One difference on purpose: `(at <stdin>:N)` names the line where the failing input
// value ends (jq names how far its reader had read, usually the last line).
import type { Json } from '../jq/api.js';
import { JqError } from '../jq/api.js';
import { toJson } from '../jq/builtins/formats.js';

const USAGE = `Usage: weft jq [-c] [-n] [-r] [-j] [--arg NAME VALUE] [--argjson NAME JSON] FILTER

Runs FILTER (weft's jq) over the JSON values read from stdin.
  -c          compact output (one line per value)
  -n          use null as the single input; stdin is not read
  -r          write strings without quotes
  -j          like -r, and no newline after each output
  --arg       set $NAME to the string VALUE
  --argjson   set $NAME to the JSON text JSON
`;

interface Options {
  compact: boolean;
  nullInput: boolean;
  raw: boolean;
  join: boolean;
  variables: Record<string, Json>;
  filter: string;
}

class UsageError extends Error {}

function parseArgs(args: string[]): Options {
  const o: Options = {
    compact: false,
    nullInput: false,
    raw: false,
    join: false,
    variables: {},
    filter: '',
  };
  let filter: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--arg' || a === '--argjson') {
      const name = args[i + 1];
      const value = args[i + 2];
      if (name === undefined || value === undefined) {
        throw new UsageError(`${a} takes two parameters (e.g. ${a} varname value)`);
      }
      if (a === '--arg') o.variables[name] = value;
      else {
        try {
          const values = parseJsonStream(value);
          if (values.length !== 1) throw new Error('expected one JSON value');
          o.variables[name] = values[0]!.value;
        } catch {
          throw new UsageError(`Invalid JSON text passed to --argjson`);
        }
      }
      i += 2;
    } else if (a === '--compact-output') o.compact = true;
    else if (a === '--null-input') o.nullInput = true;
    else if (a === '--raw-output') o.raw = true;
    else if (a === '--join-output') o.raw = o.join = true;
    else if (/^-[cnrj]+$/.test(a)) {
      for (const f of a.slice(1)) {
        if (f === 'c') o.compact = true;
        else if (f === 'n') o.nullInput = true;
        else if (f === 'r') o.raw = true;
        else o.raw = o.join = true;
      }
    } else if (a.startsWith('-') && a !== '-') throw new UsageError(`Unknown option: ${a}`);
    else if (filter === undefined) filter = a;
    else throw new UsageError(`weft jq reads stdin only; unexpected argument: ${a}`);
  }
  if (filter === undefined) throw new UsageError('no filter given');
  o.filter = filter;
  return o;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** jq's `jq: error (at WHERE): MESSAGE`, or `(at WHERE) (not a string): VALUE` for error(non-string). */
function errorLine(where: string, e: unknown): string {
  if (e instanceof JqError && typeof e.value !== 'string') {
    return `jq: error (at ${where}) (not a string): ${toJson(e.value)}\n`;
  }
  const message =
    e instanceof JqError ? (e.value as string) : e instanceof Error ? e.message : String(e);
  return `jq: error (at ${where}): ${message}\n`;
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let o: Options;
  try {
    o = parseArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`weft jq: ${e.message}\n${USAGE}`);
    return 2;
  }
  const { compile } = await import('../jq/index.js');
  const compiled = compile(o.filter, { variables: Object.keys(o.variables) });
  if (!compiled.ok) {
    for (const d of compiled.diagnostics) {
      process.stderr.write(
        `jq: error: ${d.message} at <top-level>, line ${d.line}, column ${d.col}:\n    ${o.filter}\n`,
      );
    }
    const n = compiled.diagnostics.length;
    process.stderr.write(`jq: ${n} compile error${n === 1 ? '' : 's'}\n`);
    return 3;
  }
  let inputs: { value: Json; line: number }[];
  let badInput: JsonStreamError | undefined;
  if (o.nullInput) inputs = [{ value: null, line: 0 }];
  else {
    const text = await readStdin();
    try {
      inputs = parseJsonStream(text);
    } catch (e) {
      if (!(e instanceof JsonStreamError)) throw e;
      badInput = e;
      inputs = e.values;
    }
  }
  let code = 0;
  const out: string[] = [];
  const flush = () => {
    if (out.length > 0) process.stdout.write(out.join(''));
    out.length = 0;
  };
  for (const input of inputs) {
    try {
      for (const v of compiled.program.run(input.value, o.variables, { now: Date.now() })) {
        const text = o.raw && typeof v === 'string' ? v : toJson(v, o.compact ? 0 : 2);
        out.push(o.join ? text : text + '\n');
      }
    } catch (e) {
      flush();
      const where = o.nullInput ? '<unknown>' : `<stdin>:${input.line}`;
      process.stderr.write(errorLine(where, e));
      code = 5;
    }
    if (out.length > 256) flush();
  }
  flush();
  if (badInput) {
    process.stderr.write(`jq: error (at <stdin>:${badInput.line}): ${badInput.message}\n`);
    return 2;
  }
  return code;
}

// --- the input stream: whitespace-separated JSON values, as jq reads them ---
// Also accepted, as jq 1.7+ does: NaN, -NaN, nan, Infinity, -Infinity, and a byte order
// mark at the start. A lone surrogate escape becomes U+FFFD.

export class JsonStreamError extends Error {
  constructor(
    message: string,
    readonly line: number,
    /** The values read before the error. */
    readonly values: { value: Json; line: number }[],
  ) {
    super(message);
  }
}

// eslint-disable-next-line no-control-regex
const STRING_STOP = /["\\\u0000-\u001f]/g;

export function parseJsonStream(text: string): { value: Json; line: number }[] {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const values: { value: Json; line: number }[] = [];
  let seenPos = 0;
  let seenLine = 1;
  const lineAt = (pos: number) => {
    // Values come in order, so counting newlines from the last position is enough.
    for (; seenPos < pos && seenPos < text.length; seenPos++) {
      if (text.charCodeAt(seenPos) === 10) seenLine++;
    }
    return seenLine;
  };
  const fail = (what: string): never => {
    let line = 1;
    let col = 0;
    for (let k = 0; k < i && k < text.length; k++) {
      if (text.charCodeAt(k) === 10) {
        line++;
        col = 0;
      } else col++;
    }
    throw new JsonStreamError(`${what} at line ${line}, column ${col}`, lineAt(i), values);
  };
  const ws = () => {
    while (i < text.length && /[ \t\r\n]/.test(text[i]!)) i++;
  };
  const word = (w: string) =>
    text.startsWith(w, i) && !/[A-Za-z0-9]/.test(text[i + w.length] ?? '');
  const value = (depth: number): Json => {
    if (depth > 10000) fail('Exceeds depth limit for parsing');
    ws();
    const c = text[i];
    if (c === undefined) return fail('Unfinished JSON term at EOF');
    if (c === '{') {
      i++;
      const obj: { [k: string]: Json } = {};
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] === undefined) fail('Unfinished JSON term at EOF');
        if (text[i] !== '"') fail('Object keys must be strings');
        const k = str();
        ws();
        if (text[i] !== ':') fail('Objects must consist of key:value pairs');
        i++;
        const v = value(depth + 1);
        Object.defineProperty(obj, k, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return obj;
        } else
          fail(
            text[i] === undefined
              ? 'Unfinished JSON term at EOF'
              : 'Expected separator between values',
          );
      }
    }
    if (c === '[') {
      i++;
      const arr: Json[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return arr;
        } else
          fail(
            text[i] === undefined
              ? 'Unfinished JSON term at EOF'
              : 'Expected separator between values',
          );
      }
    }
    if (c === '"') return str();
    for (const [w, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
      ['NaN', NaN],
      ['-NaN', NaN],
      ['nan', NaN],
      ['-nan', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
    ] as const) {
      if (word(w)) {
        i += w.length;
        return v;
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || /[A-Za-z0-9.]/.test(text[i + m[0].length] ?? '')) return fail('Invalid literal');
    i += m[0].length;
    return Number(m[0]);
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      STRING_STOP.lastIndex = i;
      const stop = STRING_STOP.exec(text);
      if (!stop) return fail('Unfinished string at EOF');
      out += text.slice(i, stop.index);
      i = stop.index;
      const c = text[i]!;
      if (c === '"') {
        i++;
        return out.replace(
          /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
          '\ufffd',
        );
      }
      if (c !== '\\')
        fail('Invalid string: control characters from U+0000 through U+001F must be escaped');
      const e = text[i + 1];
      const simple: Record<string, string> = {
        '"': '"',
        '\\': '\\',
        '/': '/',
        b: '\b',
        f: '\f',
        n: '\n',
        r: '\r',
        t: '\t',
      };
      if (e !== undefined && simple[e] !== undefined) {
        out += simple[e];
        i += 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
      } else fail('Invalid escape');
    }
  };
  for (;;) {
    ws();
    if (i >= text.length) return values;
    const v = value(0);
    values.push({ value: v, line: lineAt(i) });
  }
}
