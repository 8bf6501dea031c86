// YAML and JSON text -> plain JSON values, keeping the line:col of every JSON pointer.
//
// We use the `yaml` package's Document API (parseAllDocuments + LineCounter) and walk
// its node tree ourselves instead of calling toJS(), because the walk is where we
// record positions and where the guards live:
//   - maxBytes (default 5 MB): larger text is rejected before parsing. Measured on the
//     2-core dev box: yaml parses ~1.3 MB/s (a 10.7 MB task list of 200,000 `set`
//     tasks: 7.8 s in yaml, 10.8 s with our walk), so 5 MB costs ~4 s at worst; real
//     workflows are a few KB.
//   - maxAliasedValues (default 10,000 values reached through YAML aliases): stops
//     alias bombs ("billion laughs"), tiny as text and huge once expanded, in ~0.1 s
//     (counting all values instead, 1,000,000 of them took 6 s to reach).
//   - maxNodes (default 1,000,000 values in all): a backstop.
//   - maxDepth (default 200 levels): stops deeply nested input; yaml itself reports
//     stack exhaustion on ~1,000 levels and we turn that into a diagnostic too.
// JSON text (a file named *.json, or not named *.yaml/*.yml and starting with `{` or `[`) is first checked
// with JSON.parse so JSON-only mistakes (trailing commas, comments) are reported,
// then read through yaml for positions (JSON is YAML 1.2).
import { isScalar, LineCounter, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import type { Diagnostic } from './diagnostic.js';
import { Walker } from './parse-walk.js';

export interface SourcePosition {
  line: number;
  col: number;
}

/** JSON pointer -> where it starts in the text (the key, for object members). */
export type Positions = Map<string, SourcePosition>;

export interface ParsedDocument {
  value: unknown;
  positions: Positions;
  /** Index of this document in the file (0 for the first `---` section). */
  index: number;
}

export interface ParseLimits {
  maxBytes: number;
  maxNodes: number;
  maxAliasedValues: number;
  maxDepth: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  maxBytes: 5 * 1024 * 1024,
  maxNodes: 1_000_000,
  maxAliasedValues: 10_000,
  maxDepth: 200,
};

export interface ParseOptions {
  filename?: string;
  limits?: Partial<ParseLimits>;
}

export interface ParseResult {
  documents: ParsedDocument[];
  diagnostics: Diagnostic[];
}

function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1)} MB`
    : `${(bytes / 1024).toFixed(1)} KB`;
}

/** *.json is JSON, *.yaml/*.yml is YAML; otherwise text starting with { or [ is JSON. */
function looksLikeJson(text: string, filename: string | undefined): boolean {
  if (filename !== undefined && /\.json$/i.test(filename)) return true;
  if (filename !== undefined && /\.ya?ml$/i.test(filename)) return false;
  return /^\s*[{[]/.test(text);
}

/** Line and column (1-based) of an offset. */
function positionAt(text: string, offset: number): SourcePosition {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, col: offset - start + 1 };
}

/** Strict JSON check; returns a diagnostic for the first syntax error, if any. */
function checkJson(text: string): Diagnostic | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const m = /position (\d+)/.exec(message);
    const at = positionAt(text, m ? Number(m[1]) : 0);
    const reason = message.replace(/ in JSON at position \d+.*$/s, '').replace(/\s*\(line.*$/s, '');
    return { path: '', ...at, message: `invalid JSON: ${reason}` };
  }
}

export function parseDocuments(source: string, options: ParseOptions = {}): ParseResult {
  // A byte order mark is not content (editors do not count it as a column either).
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const limits = { ...DEFAULT_PARSE_LIMITS, ...options.limits };
  const origin = { path: '', line: 1, col: 1 };
  // Cheap upper bound first so a huge string is not scanned twice.
  if (text.length * 3 > limits.maxBytes || text.length > limits.maxBytes) {
    const bytes = utf8Length(text);
    if (bytes > limits.maxBytes) {
      const message = `document is ${formatSize(bytes)}; the maximum is ${formatSize(limits.maxBytes)} (limit maxBytes)`;
      return { documents: [], diagnostics: [{ ...origin, message }] };
    }
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    const message = 'file is binary (contains a NUL byte), not YAML or JSON text';
    return { documents: [], diagnostics: [{ path: '', ...positionAt(text, nul), message }] };
  }
  if (text.trim() === '') {
    const message = 'file is empty; expected a workflow document';
    return { documents: [], diagnostics: [{ ...origin, message }] };
  }
  if (looksLikeJson(text, options.filename)) {
    const bad = checkJson(text);
    if (bad) return { documents: [], diagnostics: [bad] };
  }

  const lineCounter = new LineCounter();
  let yamlDocs: Document.Parsed[];
  try {
    yamlDocs = parseAllDocuments(text, {
      lineCounter,
      prettyErrors: false,
      uniqueKeys: true,
    }) as Document.Parsed[];
  } catch (e) {
    const message = `cannot parse: ${e instanceof Error ? e.message : String(e)}`;
    return { documents: [], diagnostics: [{ ...origin, message }] };
  }
  if (!Array.isArray(yamlDocs)) yamlDocs = [yamlDocs];

  const at = (offset: number): SourcePosition => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const diagnostics: Diagnostic[] = [];
  const documents: ParsedDocument[] = [];
  const several = yamlDocs.length > 1;
  yamlDocs.forEach((doc, index) => {
    const tag = several ? { document: index } : {};
    const before = diagnostics.length;
    for (const err of doc.errors) {
      const message =
        err.code === 'RESOURCE_EXHAUSTION'
          ? `document is nested too deeply to parse (${err.message})`
          : `invalid YAML: ${err.message.split('\n')[0]}`;
      diagnostics.push({ path: '', ...at(err.pos[0]), message, ...tag });
    }
    for (const w of doc.warnings) {
      const message = `YAML: ${w.message.split('\n')[0]}`;
      diagnostics.push({ path: '', ...at(w.pos[0]), message, severity: 'warning', ...tag });
    }
    if (diagnostics.length > before && diagnostics.slice(before).some((d) => !d.severity)) return;
    const contents = doc.contents;
    // A `---` with nothing after it (or only `null`) is an empty document: skip it.
    if (contents === null || (isScalar(contents) && contents.value === null)) return;
    const walker = new Walker(doc, at, limits, tag);
    const value = walker.walk(contents, '', 0);
    diagnostics.push(...walker.diagnostics);
    if (walker.diagnostics.length === 0)
      documents.push({ value, positions: walker.positions, index });
  });
  if (documents.length === 0 && diagnostics.length === 0) {
    diagnostics.push({ ...origin, message: 'file is empty; expected a workflow document' });
  }
  return { documents, diagnostics };
}
