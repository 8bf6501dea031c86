// jq's output formats (`@text @json @html @uri @urid @csv @tsv @sh @base64 @base64d
// @base32 @base32d`) and the JSON text jq prints, as plain functions over JSON values.
// Pure: no Buffer (a Node global); UTF-8 goes through TextEncoder/TextDecoder.
//
// Contract (all functions are total on Json and throw JqError with jq 1.7/1.8's message
// on bad input):
// - formatNumber(n): a number as jq prints it (shortest round-trip digits; exponent form
//   `1e-05`, `1e+17` when the decimal point is < -3 or > digits+15 places away, `-0`
//   kept, NaN -> `null`, +-Infinity -> +-1.7976931348623157e+308).
// - toJson(v, indent = 0): `tojson` / `-c` output when indent is 0; jq's pretty output
//   (`jq .`) with that many spaces otherwise. Keys in insertion order. Any depth works
//   (no recursion past 200 levels); as in jq 1.8, a container more than 10,000 levels
//   down prints as `<skipped: too deep>`.
// - describeValue(v): `type (dump)` as jq's error messages show a value, the dump cut
//   to 26 characters + `...` when longer than 29 (jq 1.8).
// - tostring(v): a string unchanged, anything else its toJson.
// - applyFormat(name, v): the string `@name` makes of v (name without `@`); an unknown
//   name throws `NAME is not a valid format`. Formats other than csv/tsv/sh first turn
//   a non-string input into its JSON text, as jq does.
import { JqError } from '../api.js';
import type { Json } from '../api.js';

export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'null';
  if (n === Infinity) return '1.7976931348623157e+308';
  if (n === -Infinity) return '-1.7976931348623157e+308';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  // Between 1e-4 and 1e16 jq and JavaScript both write the shortest digits without an
  // exponent, so String() is exact there (and much faster).
  const a = n < 0 ? -n : n;
  if (a >= 1e-4 && a < 1e16) return String(n);
  // toExponential() with no argument gives the shortest digits that round-trip.
  const exp = n.toExponential();
  const neg = exp.startsWith('-');
  const [mant = '', e = '0'] = (neg ? exp.slice(1) : exp).split('e');
  const digits = mant.replace('.', '');
  const decpt = Number(e) + 1;
  let out: string;
  if (decpt <= -4 || decpt > digits.length + 15) {
    const x = decpt - 1;
    const ex = String(Math.abs(x)).padStart(2, '0');
    out =
      (digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits) +
      'e' +
      (x < 0 ? '-' : '+') +
      ex;
  } else if (decpt <= 0) {
    out = '0.' + '0'.repeat(-decpt) + digits;
  } else if (decpt >= digits.length) {
    out = digits + '0'.repeat(decpt - digits.length);
  } else {
    out = digits.slice(0, decpt) + '.' + digits.slice(decpt);
  }
  return neg ? '-' + out : out;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\t': '\\t',
  '\r': '\\r',
  '\b': '\\b',
  '\f': '\\f',
};

/** A JSON string literal as jq writes it: control characters and DEL escaped, the rest raw. */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f\ud800-\udfff]/;

export function quoteString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  // eslint-disable-next-line no-control-regex
  const escaped = s.replace(/["\\\u0000-\u001f\u007f]|[\ud800-\udfff]/g, (c, i: number) => {
    const short = SHORT_ESCAPES[c];
    if (short) return short;
    const code = c.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) {
      // Keep valid surrogate pairs; a lone surrogate becomes U+FFFD as in jq's UTF-8.
      const next = s.charCodeAt(i + 1);
      const prev = s.charCodeAt(i - 1);
      if (code < 0xdc00 && next >= 0xdc00 && next <= 0xdfff) return c;
      if (code >= 0xdc00 && prev >= 0xd800 && prev < 0xdc00) return c;
      return '\ufffd';
    }
    return '\\u' + code.toString(16).padStart(4, '0');
  });
  return '"' + escaped + '"';
}

export function toJson(v: Json, indent = 0): string {
  if (indent > 0) return writeIterative(v, ' '.repeat(indent), '', 0);
  return compact(v, 0);
}

/** jq 1.8 prints a container nested deeper than this as `<skipped: too deep>`. */
const MAX_PRINT_DEPTH = 10000;
/** Below this depth compact() recurses (fast); deeper values go to writeIterative (no stack). */
const RECURSION_DEPTH = 200;

function scalar(v: null | boolean | number | string): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return formatNumber(v);
  return quoteString(v);
}

function compact(v: Json, depth: number): string {
  if (v === null || typeof v !== 'object') return scalar(v);
  if (depth >= RECURSION_DEPTH) return writeIterative(v, '', '', depth);
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + compact(v[i]!, depth + 1);
    return out + ']';
  }
  let out = '{';
  let first = true;
  for (const k of Object.keys(v)) {
    out += (first ? '' : ',') + quoteString(k) + ':' + compact(v[k] as Json, depth + 1);
    first = false;
  }
  return out + '}';
}

interface Frame {
  value: Json[] | { [key: string]: Json };
  keys: string[] | null;
  i: number;
  pad: string;
  depth: number;
}

/** The same text as compact() (step '') or jq's pretty output, with an explicit stack. */
function writeIterative(root: Json, step: string, rootPad: string, rootDepth: number): string {
  const out: string[] = [];
  const stack: Frame[] = [];
  const open = (v: Json, pad: string, depth: number) => {
    if (v === null || typeof v !== 'object') out.push(scalar(v));
    else if (depth > MAX_PRINT_DEPTH) out.push('<skipped: too deep>');
    else if (Array.isArray(v)) {
      if (v.length === 0) out.push('[]');
      else {
        out.push('[');
        stack.push({ value: v, keys: null, i: 0, pad, depth });
      }
    } else {
      const keys = Object.keys(v);
      if (keys.length === 0) out.push('{}');
      else {
        out.push('{');
        stack.push({ value: v, keys, i: 0, pad, depth });
      }
    }
  };
  open(root, rootPad, rootDepth);
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    const n = f.keys ? f.keys.length : (f.value as Json[]).length;
    if (f.i >= n) {
      stack.pop();
      const close = f.keys ? '}' : ']';
      out.push(step ? '\n' + f.pad + close : close);
      continue;
    }
    const inner = f.pad + step;
    if (f.i > 0) out.push(',');
    if (step) out.push('\n' + inner);
    let child: Json;
    if (f.keys) {
      const k = f.keys[f.i]!;
      out.push(quoteString(k) + (step ? ': ' : ':'));
      child = (f.value as { [key: string]: Json })[k]!;
    } else child = (f.value as Json[])[f.i]!;
    f.i++;
    open(child, inner, f.depth + 1);
  }
  return out.join('');
}

export function typeOf(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

export function describeValue(v: Json): string {
  const dump = compact(v, 0);
  return `${typeOf(v)} (${dump.length > 29 ? dump.slice(0, 26) + '...' : dump})`;
}

export function tostring(v: Json): string {
  return typeof v === 'string' ? v : compact(v, 0);
}

// --- UTF-8 and base64/base32 by hand (no Buffer in the pure layer) ---

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * Bytes to text as jq's jvp_utf8_next reads them: each bad sequence becomes one U+FFFD,
 * a lead byte followed by a non-continuation byte costs only itself, and a sequence cut
 * short by the end of the data swallows the rest (where TextDecoder would not).
 */
export function decodeUtf8(bytes: readonly number[]): string {
  let out = '';
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const first = bytes[i]!;
    if (first < 0x80) {
      out += String.fromCharCode(first);
      i++;
      continue;
    }
    const length =
      first >= 0xc2 && first <= 0xdf
        ? 2
        : first >= 0xe0 && first <= 0xef
          ? 3
          : first >= 0xf0 && first <= 0xf4
            ? 4
            : 0;
    if (length === 0) {
      out += '\ufffd';
      i++;
      continue;
    }
    if (i + length > n) {
      out += '\ufffd';
      break;
    }
    let cp = first & (0xff >> (length + 1));
    let bad = 0;
    for (let k = 1; k < length; k++) {
      const b = bytes[i + k]!;
      if ((b & 0xc0) !== 0x80) {
        bad = k;
        break;
      }
      cp = (cp << 6) | (b & 0x3f);
    }
    if (bad > 0) {
      out += '\ufffd';
      i += bad;
      continue;
    }
    const min = length === 2 ? 0x80 : length === 3 ? 0x800 : 0x10000;
    out +=
      cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff
        ? '\ufffd'
        : String.fromCodePoint(cp);
    i += length;
  }
  return out;
}

export function base64Encode(s: string): string {
  const b = encoder.encode(s);
  let out = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = ((b[i] ?? 0) << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    out += i + 1 < b.length ? B64[(n >> 6) & 63]! : '=';
    out += i + 2 < b.length ? B64[n & 63]! : '=';
  }
  return out;
}

/** jq 1.7: `=` ends the data, padding is optional, a lone trailing 6-bit group is an error. */
export function base64Decode(s: string): string {
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  let count = 0;
  for (const c of s) {
    if (c === '=') break;
    const d = B64.indexOf(c);
    if (d < 0) throw new JqError(`${describeValue(s)} is not valid base64 data`);
    acc = (acc << 6) | d;
    bits += 6;
    count++;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((acc >> bits) & 0xff);
    }
  }
  if (count % 4 === 1) throw new JqError(`${describeValue(s)} trailing base64 byte found`);
  return decodeUtf8(bytes);
}

export function base32Encode(s: string): string {
  const b = encoder.encode(s);
  let out = '';
  for (let i = 0; i < b.length; i += 5) {
    const chunk = b.subarray(i, i + 5);
    let bits = 0n;
    for (let j = 0; j < 5; j++) bits = (bits << 8n) | BigInt(chunk[j] ?? 0);
    const chars = Math.ceil((chunk.length * 8) / 5);
    for (let j = 0; j < 8; j++) {
      out += j < chars ? B32[Number((bits >> BigInt(35 - j * 5)) & 31n)]! : '=';
    }
  }
  return out;
}

export function base32Decode(s: string): string {
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const c of s) {
    if (c === '=') break;
    const d = B32.indexOf(c);
    if (d < 0) throw new JqError(`${describeValue(s)} is not valid base32 data`);
    acc = ((acc << 5) | d) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((acc >> bits) & 0xff);
    }
  }
  return decodeUtf8(bytes);
}

// --- the formats ---

const URI_UNRESERVED = /[A-Za-z0-9\-_.~]/;

function uri(s: string): string {
  let out = '';
  for (const c of s) {
    if (URI_UNRESERVED.test(c)) out += c;
    else
      for (const b of encoder.encode(c)) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function urid(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '%') {
      for (const b of encoder.encode(s.codePointAt(i)! > 0xffff ? s.slice(i, i + 2) : c))
        bytes.push(b);
      if (s.codePointAt(i)! > 0xffff) i++;
      continue;
    }
    const hex = s.slice(i + 1, i + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(hex))
      throw new JqError(`${describeValue(s)} is not a valid uri encoding`);
    bytes.push(parseInt(hex, 16));
    i += 2;
  }
  try {
    return strictDecoder.decode(new Uint8Array(bytes));
  } catch {
    throw new JqError(`${describeValue(s)} is not a valid uri encoding`);
  }
}

const HTML: Record<string, string> = {
  '<': '&lt;',
  '>': '&gt;',
  '&': '&amp;',
  "'": '&apos;',
  '"': '&quot;',
};

function row(v: Json, kind: 'csv' | 'tsv'): string {
  if (!Array.isArray(v)) {
    throw new JqError(`${describeValue(v)} cannot be ${kind}-formatted, only an array can be`);
  }
  return v
    .map((x) => {
      if (x === null) return '';
      if (typeof x === 'boolean') return x ? 'true' : 'false';
      if (typeof x === 'number') return formatNumber(x);
      if (typeof x === 'string') {
        if (kind === 'csv') return '"' + x.replace(/"/g, '""') + '"';
        return x.replace(/[\\\t\n\r]/g, (c) =>
          c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
        );
      }
      throw new JqError(`${describeValue(x)} is not valid in a csv row`);
    })
    .join(kind === 'csv' ? ',' : '\t');
}

function shellWord(x: Json): string {
  if (typeof x === 'string') return "'" + x.replace(/'/g, "'\\''") + "'";
  if (x !== null && typeof x === 'object') {
    throw new JqError(`${describeValue(x)} can not be escaped for shell`);
  }
  return compact(x, 0);
}

export function applyFormat(name: string, v: Json): string {
  switch (name) {
    case 'text':
      return tostring(v);
    case 'json':
      return compact(v, 0);
    case 'csv':
    case 'tsv':
      return row(v, name);
    case 'sh':
      return Array.isArray(v) ? v.map(shellWord).join(' ') : shellWord(v);
    case 'html':
      return tostring(v).replace(/[<>&'"]/g, (c) => HTML[c]!);
    case 'uri':
      return uri(tostring(v));
    case 'urid':
      return urid(tostring(v));
    case 'base64':
      return base64Encode(tostring(v));
    case 'base64d':
      return base64Decode(tostring(v));
    case 'base32':
      return base32Encode(tostring(v));
    case 'base32d':
      return base32Decode(tostring(v));
    default:
      throw new JqError(`${name} is not a valid format`);
  }
}
