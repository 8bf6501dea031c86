// jq's operators on values: indexing, slicing, arithmetic and comparison, with jq's
// error messages (jq 1.8 wording, which jq's own test suite checks).
import type { Json } from './api.js';
import { charge, checkLength } from './runtime.js';
import type { JsonObject } from './values.js';
import {
  MAX_DEPTH,
  compare,
  copyObject,
  desc,
  equals,
  fail,
  getKey,
  isObject,
  setKey,
  typeOf,
} from './values.js';

/** `.[k]` on any value. */
export function index(t: Json, k: Json): Json {
  if (typeof k === 'string') {
    if (t === null) return null;
    if (isObject(t)) {
      const r = getKey(t, k);
      return r === undefined ? null : r;
    }
  } else if (typeof k === 'number') {
    if (Array.isArray(t)) {
      if (k !== k) return null;
      let i = Math.floor(k);
      if (i < 0) i += t.length;
      const r = i >= 0 ? t[i] : undefined;
      return r === undefined ? null : r;
    }
    if (t === null) return null;
  } else if (isObject(k)) {
    if (t === null || Array.isArray(t) || typeof t === 'string') {
      if (t === null) return null;
      return slice(t, getKey(k, 'start') ?? null, getKey(k, 'end') ?? null);
    }
  } else if (Array.isArray(k) && Array.isArray(t)) {
    return indices(t, k);
  }
  return fail(`Cannot index ${typeOf(t)} with ${desc(k)}`);
}

export function field(t: Json, name: string): Json {
  if (isObject(t)) {
    const r = getKey(t, name);
    return r === undefined ? null : r;
  }
  if (t === null) return null;
  return fail(`Cannot index ${typeOf(t)} with ${desc(name)}`);
}

export function indices(t: Json[], k: Json[]): Json {
  charge(t.length * k.length);
  const out: number[] = [];
  if (k.length === 0) return null;
  for (let i = 0; i + k.length <= t.length; i++) {
    let ok = true;
    for (let j = 0; j < k.length; j++) {
      if (!equals(t[i + j] as Json, k[j] as Json)) {
        ok = false;
        break;
      }
    }
    if (ok) out.push(i);
  }
  return out;
}

function clampRange(len: number, from: Json, to: Json): [number, number] {
  if ((from !== null && typeof from !== 'number') || (to !== null && typeof to !== 'number'))
    fail('Start and end indices of an array slice must be numbers');
  let s = from === null || from !== from ? 0 : Math.floor(from as number);
  let e = to === null || to !== to ? len : Math.ceil(to as number);
  if (s < 0) s = Math.max(0, len + s);
  if (e < 0) e = Math.max(0, len + e);
  if (s > len) s = len;
  if (e > len) e = len;
  if (e < s) e = s;
  return [s, e];
}

export function slice(t: Json, from: Json, to: Json): Json {
  if (t === null) return null;
  if (Array.isArray(t)) {
    const [s, e] = clampRange(t.length, from, to);
    charge(e - s);
    return t.slice(s, e);
  }
  if (typeof t === 'string') {
    // jq slices strings by codepoints
    const cps = Array.from(t);
    const [s, e] = clampRange(cps.length, from, to);
    return cps.slice(s, e).join('');
  }
  return fail(`Cannot index ${typeOf(t)} with object`);
}

export function sliceRange(len: number, from: Json, to: Json): [number, number] {
  return clampRange(len, from, to);
}

/** `a * b` on objects: a recursive merge, done with an explicit stack (deep data). */
function deepMerge(a0: JsonObject, b0: JsonObject): JsonObject {
  const root = copyObject(a0);
  const stack: [JsonObject, JsonObject, number][] = [[root, b0, 1]];
  while (stack.length > 0) {
    const [r, b, d] = stack.pop() as [JsonObject, JsonObject, number];
    if (d > MAX_DEPTH) fail('Object merge too deep');
    charge(Object.keys(b).length);
    for (const k in b) {
      const bv = b[k] as Json;
      const av = getKey(r, k);
      if (av !== undefined && isObject(av) && isObject(bv)) {
        const child = copyObject(av);
        setKey(r, k, child);
        stack.push([child, bv, d + 1]);
      } else setKey(r, k, bv);
    }
  }
  return root;
}

export function add(a: Json, b: Json): Json {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a === null) return b;
  if (b === null) return a;
  if (typeof a === 'string' && typeof b === 'string') {
    checkLength(a.length + b.length);
    return a + b;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    checkLength(a.length + b.length);
    charge(a.length + b.length);
    return a.concat(b);
  }
  if (isObject(a) && isObject(b)) {
    const r = copyObject(a);
    charge(Object.keys(a).length);
    for (const k in b) setKey(r, k, b[k] as Json);
    return r;
  }
  return fail(`${desc(a)} and ${desc(b)} cannot be added`);
}

export function sub(a: Json, b: Json): Json {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (Array.isArray(a) && Array.isArray(b)) {
    charge(a.length * b.length);
    return a.filter((x) => !b.some((y) => equals(x, y)));
  }
  return fail(`${desc(a)} and ${desc(b)} cannot be subtracted`);
}

// jq 1.8: a negative or nan count gives null, otherwise floor(n) copies. Past jq's own
// cap (INT_MAX bytes) it is jq's catchable error; below it, weft's maxLength is a limit.
function repeatString(s: string, n: number): Json {
  if (n < 0 || n !== n) return null;
  const times = Math.floor(n);
  if (s.length * times > 2147483647) fail('Repeat string result too long');
  checkLength(s.length * times);
  return s.repeat(times);
}

export function mul(a: Json, b: Json): Json {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  if (typeof a === 'string' && typeof b === 'number') return repeatString(a, b);
  if (typeof a === 'number' && typeof b === 'string') return repeatString(b, a);
  if (isObject(a) && isObject(b)) return deepMerge(a, b);
  return fail(`${desc(a)} and ${desc(b)} cannot be multiplied`);
}

export function div(a: Json, b: Json): Json {
  if (typeof a === 'number' && typeof b === 'number') {
    if (b === 0) fail(`${desc(a)} and ${desc(b)} cannot be divided because the divisor is zero`);
    return a / b;
  }
  if (typeof a === 'string' && typeof b === 'string') return splitString(a, b);
  return fail(`${desc(a)} and ${desc(b)} cannot be divided`);
}

export function splitString(a: string, b: string): Json {
  if (a === '') return [];
  if (b === '') return Array.from(a);
  return a.split(b);
}

const I64_MAX = 2n ** 63n - 1n;
const I64_MIN = -(2n ** 63n);

/** jq casts `%` operands to intmax_t; out-of-range values saturate. */
function toI64(n: number): bigint {
  if (n >= 9.223372036854776e18) return I64_MAX;
  if (n <= -9.223372036854776e18) return I64_MIN;
  return BigInt(Math.trunc(n));
}

export function mod(a: Json, b: Json): Json {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a !== a || b !== b) return NaN;
    if (Math.abs(a) < 2 ** 53 && Math.abs(b) < 2 ** 53) {
      const bi = Math.trunc(b);
      if (bi === 0)
        fail(`${desc(a)} and ${desc(b)} cannot be divided (remainder) because the divisor is zero`);
      const r = Math.trunc(a) % Math.abs(bi);
      return r === 0 ? 0 : r;
    }
    const bi = toI64(b);
    if (bi === 0n)
      fail(`${desc(a)} and ${desc(b)} cannot be divided (remainder) because the divisor is zero`);
    const abs = bi < 0n ? (bi === I64_MIN ? I64_MIN : -bi) : bi;
    const r = abs === I64_MIN ? toI64(a) % I64_MAX : toI64(a) % abs;
    return Number(r);
  }
  return fail(`${desc(a)} and ${desc(b)} cannot be divided (remainder)`);
}

export function negate(a: Json): Json {
  if (typeof a === 'number') return -a;
  return fail(`${desc(a)} cannot be negated`);
}

export const BINOPS: Record<string, (a: Json, b: Json) => Json> = {
  '+': add,
  '-': sub,
  '*': mul,
  '/': div,
  '%': mod,
  // numbers (nan aside) compare directly; everything else in jq's total order
  '==': (a, b) => a === b || equals(a, b),
  '!=': (a, b) => a !== b && !equals(a, b),
  '<': (a, b) =>
    typeof a === 'number' && typeof b === 'number' && a === a && b === b
      ? a < b
      : compare(a, b) < 0,
  '<=': (a, b) =>
    typeof a === 'number' && typeof b === 'number' && a === a && b === b
      ? a <= b
      : compare(a, b) <= 0,
  '>': (a, b) =>
    typeof a === 'number' && typeof b === 'number' && a === a && b === b
      ? a > b
      : compare(a, b) > 0,
  '>=': (a, b) =>
    typeof a === 'number' && typeof b === 'number' && a === a && b === b
      ? a >= b
      : compare(a, b) >= 0,
};
