// JSON values as jq sees them: type names, jq's total order, equality, and the
// `-c` style dump that tojson/tostring and error messages use. Objects built here are
// plain objects; a "__proto__" key is always an own data property (set via
// defineProperty), and reads go through hasOwn, so no key can reach Object.prototype.
import type { Json } from './api.js';
import { JqError } from './api.js';
import { checkLength, step } from './budget.js';

export type JsonObject = { [key: string]: Json };

const hasOwn = Object.prototype.hasOwnProperty;

export function typeOf(v: Json): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    default:
      return Array.isArray(v) ? 'array' : 'object';
  }
}

export function isObject(v: Json): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Own property read; inherited names like "constructor" read as missing. */
export function getKey(o: JsonObject, k: string): Json | undefined {
  return hasOwn.call(o, k) ? o[k] : undefined;
}

export function setKey(o: JsonObject, k: string, v: Json): void {
  if (k === '__proto__') {
    Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  } else {
    o[k] = v;
  }
}

export function copyObject(o: JsonObject): JsonObject {
  step();
  const r: JsonObject = {};
  for (const k in o) setKey(r, k, o[k] as Json);
  return r;
}

export function truthy(v: Json): boolean {
  return v !== null && v !== false;
}

const TYPE_ORDER: Record<string, number> = {
  null: 0,
  boolean: 1,
  number: 3,
  string: 4,
  array: 5,
  object: 6,
};

function rank(v: Json): number {
  if (v === false) return 1;
  if (v === true) return 2;
  return TYPE_ORDER[typeOf(v)] as number;
}

function cmpStr(a: string, b: string): number {
  // jq compares strings by their UTF-8 bytes, which is codepoint order; JS's < is
  // UTF-16 unit order and differs only for astral vs U+E000..U+FFFF, handled here.
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const sx = x >= 0xd800 && x <= 0xdfff;
      const sy = y >= 0xd800 && y <= 0xdfff;
      if (sx !== sy) return sx ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

export function compareStrings(a: string, b: string): number {
  return cmpStr(a, b);
}

export function sortedKeys(o: JsonObject): string[] {
  return Object.keys(o).sort(cmpStr);
}

/** jq's total order: null < false < true < numbers < strings < arrays < objects. */
export function compare(a: Json, b: Json): number {
  if (typeof a === 'number' && typeof b === 'number') {
    // jq sorts nan below every number
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === b) return 0;
    if (a !== a) return -1;
    return 1;
  }
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (typeof a === 'string') return cmpStr(a, b as string);
  if (a === b) return 0;
  step();
  if (Array.isArray(a)) {
    const bb = b as Json[];
    const n = Math.min(a.length, bb.length);
    for (let i = 0; i < n; i++) {
      const c = compare(a[i] as Json, bb[i] as Json);
      if (c !== 0) return c;
    }
    return a.length < bb.length ? -1 : a.length > bb.length ? 1 : 0;
  }
  if (isObject(a)) {
    const bo = b as JsonObject;
    const ka = sortedKeys(a);
    const kb = sortedKeys(bo);
    const c = compare(ka, kb);
    if (c !== 0) return c;
    for (const k of ka) {
      const d = compare(a[k] as Json, bo[k] as Json);
      if (d !== 0) return d;
    }
    return 0;
  }
  return 0;
}

export function equals(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  step();
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equals(a[i] as Json, b[i] as Json)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!hasOwn.call(b, k) || !equals(a[k] as Json, b[k] as Json)) return false;
  }
  return true;
}

/** jq 1.7's number printing: 17 significant digits at most, shortest round trip. */
export function formatNumber(n: number): string {
  if (n !== n) return 'null';
  if (n === Infinity) return '1.7976931348623157e+308';
  if (n === -Infinity) return '-1.7976931348623157e+308';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  const e = n.toExponential();
  const neg = n < 0;
  const m = /^-?(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(e);
  if (!m) return String(n);
  const digits = (m[1] as string) + (m[2] ?? '');
  const decpt = Number(m[3]) + 1;
  let s: string;
  if (decpt <= -4 || decpt > digits.length + 15) {
    const x = decpt - 1;
    const ax = Math.abs(x);
    s =
      digits[0] +
      (digits.length > 1 ? '.' + digits.slice(1) : '') +
      'e' +
      (x < 0 ? '-' : '+') +
      (ax < 10 ? '0' + ax : String(ax));
  } else if (decpt <= 0) {
    s = '0.' + '0'.repeat(-decpt) + digits;
  } else if (decpt >= digits.length) {
    s = digits + '0'.repeat(decpt - digits.length);
  } else {
    s = digits.slice(0, decpt) + '.' + digits.slice(decpt);
  }
  return neg ? '-' + s : s;
}

// eslint-disable-next-line no-control-regex
const ESCAPES = /["\\\u0000-\u001f\u007f]/g;
function escapeChar(c: string): string {
  switch (c) {
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\t':
      return '\\t';
    case '\r':
      return '\\r';
    case '\b':
      return '\\b';
    case '\f':
      return '\\f';
    default:
      return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
  }
}

const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function quoteString(s: string): string {
  // lone surrogates become U+FFFD as jq's UTF-8 output does
  const w = s.replace(LONE, '\ufffd');
  return '"' + w.replace(ESCAPES, escapeChar) + '"';
}

/** Compact dump, like `jq -c` and `tojson`. */
export function dump(v: Json): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return formatNumber(v);
    case 'string':
      return quoteString(v);
  }
  step();
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) s += ',';
      s += dump(v[i] as Json);
      checkLength(s.length);
    }
    return s + ']';
  }
  let s = '{';
  let first = true;
  for (const k in v) {
    if (!first) s += ',';
    first = false;
    s += quoteString(k) + ':' + dump(v[k] as Json);
    checkLength(s.length);
  }
  return s + '}';
}

function utf8Len(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/**
 * A value as error messages show it: dumped and cut to fit 29 bytes, as jq 1.8 does
 * (a string keeps its closing quote after the "...").
 */
export function dumpTrunc(v: Json): string {
  const s = dump(v);
  let bytes = 0;
  for (const ch of s) bytes += utf8Len(ch.codePointAt(0) as number);
  if (bytes <= 29) return s;
  const max = typeof v === 'string' ? 25 : 26;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = utf8Len(ch.codePointAt(0) as number);
    if (used + n > max) break;
    used += n;
    out += ch;
  }
  return out + (typeof v === 'string' ? '..."' : '...');
}

/** `type (value)` as jq's messages show a value. */
export function desc(v: Json): string {
  return `${typeOf(v)} (${dumpTrunc(v)})`;
}

export function fail(message: string): never {
  throw new JqError(message);
}

/** jq's tostring: strings unchanged, everything else dumped. */
export function toText(v: Json): string {
  return typeof v === 'string' ? v : dump(v);
}

/** Deep-freeze-free JSON parse that keeps "__proto__" keys as data (JSON.parse does). */
export function parseJson(text: string): Json {
  try {
    const t = text.trim();
    if (t === 'nan' || t === 'NaN') return NaN;
    return JSON.parse(text) as Json;
  } catch {
    return fail(`${text} (while parsing '${text}')`);
  }
}
