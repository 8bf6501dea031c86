// JSON values as jq sees them: type names, jq's total order, equality, and the
// `-c` style dump that tojson/tostring and error messages use. Objects built here are
// plain objects; a "__proto__" key is always an own data property (set via
// defineProperty), and reads go through hasOwn, so no key can reach Object.prototype.
import type { Json } from './api.js';
import { JqError } from './api.js';
import { charge, checkLength, step } from './budget.js';

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
  // spread defines own data properties (CreateDataProperty), so a "__proto__" key is
  // copied as data, never through the prototype setter
  const r = { ...o };
  charge(Object.keys(r).length + 16);
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

export function sortedKeys(o: JsonObject): string[] {
  return Object.keys(o).sort(cmpStr);
}

// Deep values: the comparisons and dump below recurse while shallow (fast) and switch to
// an explicit stack past SHALLOW levels, so jq's own depth limits (10,001 levels, as jq's
// test suite checks) apply instead of the JavaScript stack's.
const SHALLOW = 200;
export const MAX_DEPTH = 10001;

/** Order of two values when it is decided without looking inside containers. */
function shallowCompare(a: Json, b: Json): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') {
    // jq sorts nan below every number
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === b) return 0;
    return a !== a ? -1 : 1;
  }
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (typeof a === 'string') return cmpStr(a, b as string);
  // no shortcut for identical containers: jq walks them too (and reports depth errors)
  if (ra < 3) return 0;
  return undefined;
}

function compareKeyLists(ka: string[], kb: string[]): number {
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const c = cmpStr(ka[i] as string, kb[i] as string);
    if (c !== 0) return c;
  }
  return ka.length < kb.length ? -1 : ka.length > kb.length ? 1 : 0;
}

/** jq's total order: null < false < true < numbers < strings < arrays < objects. */
export function compare(a: Json, b: Json): number {
  return cmp(a, b, 1);
}

function cmp(a: Json, b: Json, depth: number): number {
  const s = shallowCompare(a, b);
  if (s !== undefined) return s;
  if (depth > SHALLOW) return compareDeep(a, b, depth);
  step();
  if (Array.isArray(a)) {
    const bb = b as Json[];
    const n = Math.min(a.length, bb.length);
    for (let i = 0; i < n; i++) {
      const c = cmp(a[i] as Json, bb[i] as Json, depth + 1);
      if (c !== 0) return c;
    }
    return a.length < bb.length ? -1 : a.length > bb.length ? 1 : 0;
  }
  const ao = a as JsonObject;
  const bo = b as JsonObject;
  const ka = sortedKeys(ao);
  const c = compareKeyLists(ka, sortedKeys(bo));
  if (c !== 0) return c;
  for (const k of ka) {
    const d = cmp(ao[k] as Json, bo[k] as Json, depth + 1);
    if (d !== 0) return d;
  }
  return 0;
}

function compareDeep(a0: Json, b0: Json, d0: number): number {
  // tasks run in order: element pairs first to last, then the length comparison
  const stack: ([Json, Json, number] | number)[] = [[a0, b0, d0]];
  while (stack.length > 0) {
    const t = stack.pop() as [Json, Json, number] | number;
    if (typeof t === 'number') {
      if (t !== 0) return t;
      continue;
    }
    const [a, b, d] = t;
    const s = shallowCompare(a, b);
    if (s !== undefined) {
      if (s !== 0) return s;
      continue;
    }
    if (d > MAX_DEPTH) fail('Comparison too deep');
    step();
    if (Array.isArray(a)) {
      const bb = b as Json[];
      stack.push(a.length < bb.length ? -1 : a.length > bb.length ? 1 : 0);
      for (let i = Math.min(a.length, bb.length) - 1; i >= 0; i--)
        stack.push([a[i] as Json, bb[i] as Json, d + 1]);
    } else {
      const ao = a as JsonObject;
      const bo = b as JsonObject;
      const ka = sortedKeys(ao);
      const c = compareKeyLists(ka, sortedKeys(bo));
      if (c !== 0) return c;
      for (let i = ka.length - 1; i >= 0; i--) {
        const k = ka[i] as string;
        stack.push([ao[k] as Json, bo[k] as Json, d + 1]);
      }
    }
  }
  return 0;
}

export function equals(a: Json, b: Json): boolean {
  return eq(a, b, 1);
}

function eq(a: Json, b: Json, depth: number): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (depth > SHALLOW) return equalsDeep(a, b, depth);
  step();
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!eq(a[i] as Json, b[i] as Json, depth + 1)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!hasOwn.call(b, k) || !eq(a[k] as Json, b[k] as Json, depth + 1)) return false;
  }
  return true;
}

function equalsDeep(a0: Json, b0: Json, d0: number): boolean {
  const stack: [Json, Json, number][] = [[a0, b0, d0]];
  while (stack.length > 0) {
    const [a, b, d] = stack.pop() as [Json, Json, number];
    if (a === b) continue;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
    if (d > MAX_DEPTH) fail('Equality check too deep');
    step();
    if (Array.isArray(a)) {
      if (!Array.isArray(b) || a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) stack.push([a[i] as Json, b[i] as Json, d + 1]);
    } else {
      if (Array.isArray(b)) return false;
      const ka = Object.keys(a);
      if (ka.length !== Object.keys(b).length) return false;
      for (const k of ka) {
        if (!hasOwn.call(b, k)) return false;
        stack.push([a[k] as Json, b[k] as Json, d + 1]);
      }
    }
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

function dumpScalar(v: Json): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return formatNumber(v);
    default:
      return quoteString(v as string);
  }
}

/** Compact dump, like `jq -c` and `tojson`. */
export function dump(v: Json): string {
  return dumpAt(v, 1);
}

function dumpAt(v: Json, depth: number): string {
  if (v === null || typeof v !== 'object') return dumpScalar(v);
  if (depth > SHALLOW) return dumpDeep(v, depth);
  step();
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) s += ',';
      s += dumpAt(v[i] as Json, depth + 1);
      checkLength(s.length);
    }
    return s + ']';
  }
  let s = '{';
  let first = true;
  for (const k in v) {
    if (!first) s += ',';
    first = false;
    s += quoteString(k) + ':' + dumpAt(v[k] as Json, depth + 1);
    checkLength(s.length);
  }
  return s + '}';
}

interface DumpFrame {
  a: Json[] | null;
  o: JsonObject | null;
  keys: string[];
  i: number;
  d: number;
}

/** The same dump with an explicit stack; past MAX_DEPTH levels jq prints a marker. */
function dumpDeep(v0: Json, d0: number): string {
  let out = '';
  const stack: DumpFrame[] = [];
  const open = (v: Json, d: number): void => {
    if (v === null || typeof v !== 'object') {
      out += dumpScalar(v);
      return;
    }
    if (d > MAX_DEPTH) {
      out += '<skipped: too deep>';
      return;
    }
    step();
    if (Array.isArray(v)) {
      out += '[';
      stack.push({ a: v, o: null, keys: [], i: 0, d });
    } else {
      out += '{';
      stack.push({ a: null, o: v, keys: Object.keys(v), i: 0, d });
    }
  };
  open(v0, d0);
  while (stack.length > 0) {
    const f = stack[stack.length - 1] as DumpFrame;
    if (f.a !== null) {
      if (f.i >= f.a.length) {
        out += ']';
        stack.pop();
        continue;
      }
      if (f.i > 0) out += ',';
      open(f.a[f.i++] as Json, f.d + 1);
    } else {
      if (f.i >= f.keys.length) {
        out += '}';
        stack.pop();
        continue;
      }
      if (f.i > 0) out += ',';
      const k = f.keys[f.i++] as string;
      out += quoteString(k) + ':';
      open((f.o as JsonObject)[k] as Json, f.d + 1);
    }
    checkLength(out.length);
  }
  return out;
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
