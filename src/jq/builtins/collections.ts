// Natives over arrays: sorting and grouping (jq's order), min/max, add, join,
// flatten, indices, explode/implode.
import type { Json } from '../api.js';
import type { F } from '../runtime.js';
import { NONE, charge, checkLength, collect, fromOne, step } from '../runtime.js';
import { add, index } from '../ops.js';
import { compare, desc, dump, equals, fail, isObject, typeOf } from '../values.js';
import { fn, fn0, native } from './helpers.js';

function arrayInput(v: Json, what: string): Json[] {
  if (Array.isArray(v)) return v;
  return fail(`${desc(v)} cannot be ${what}, as it is not an array`);
}

/**
 * Stable sort in place. Array.prototype.sort pays ~100 ns per comparator call on V8;
 * for the short arrays workflows sort, a plain insertion sort is 5-10x faster.
 */
export function stableSort<T>(a: T[], cmp: (x: T, y: T) => number): T[] {
  if (a.length > 48) return a.sort(cmp);
  for (let i = 1; i < a.length; i++) {
    const x = a[i] as T;
    let j = i - 1;
    while (j >= 0 && cmp(a[j] as T, x) > 0) {
      a[j + 1] = a[j] as T;
      j--;
    }
    a[j + 1] = x;
  }
  return a;
}

/** The comparator for a list of keys: plain numeric order when all are numbers. */
function comparatorFor(keys: Json[]): (a: Json, b: Json) => number {
  for (const k of keys) if (typeof k !== 'number' || k !== k) return compare;
  return (a, b) => (a as number) - (b as number);
}

fn0('sort', (v) => {
  const a = arrayInput(v, 'sorted');
  chargeSort(a.length);
  return stableSort(a.slice(), comparatorFor(a));
});

/**
 * Pairs each element with its sort key: `[f]`, the array of all outputs of f, as jq's
 * _by builtins do; when f is single-valued the key is that one value (same order,
 * since `[x]` and `[y]` compare as x and y), marked by a `single` pair list.
 */
interface Keyed extends Array<[Json, Json]> {
  single?: boolean;
}
function keyed(f: F, v: Json, what: string, env: Parameters<F['gen']>[2]): Keyed {
  const a = arrayInput(v, what);
  const o = f.one;
  if (o) {
    let none = false;
    const out: Keyed = a.map((x) => {
      step();
      const k = o(x, env);
      if (k === NONE) none = true;
      return [k as Json, x] as [Json, Json];
    });
    // an element with no key sorts as `[]`: only then are key arrays needed
    if (!none) {
      out.single = true;
      return out;
    }
  }
  return a.map((x) => {
    step();
    return [collect(f, x, env), x];
  });
}

/** Compares two `[f]` key arrays element by element (the wrapper costs no step). */
function compareKeys(a: Json, b: Json, single = false): number {
  if (single)
    return typeof a === 'number' && typeof b === 'number' && a === a && b === b
      ? a - b
      : compare(a, b);
  const x = a as Json[];
  const y = b as Json[];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const c = compare(x[i] as Json, y[i] as Json);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}

/** Sorting n items costs about n*log2(n) comparisons: charge them up front. */
function chargeSort(n: number): void {
  if (n > 1) charge(Math.ceil(n * Math.log2(n)) >>> 2);
}

native('sort_by', 1, ([f]) =>
  fromOne((v, env) => {
    const pairs = keyed(f as F, v, 'sorted', env);
    chargeSort(pairs.length);
    const single = pairs.single === true;
    if (single && pairs.every((p) => typeof p[0] === 'number' && p[0] === p[0])) {
      // numeric keys: an insertion sort over the pairs with the comparison inline
      const n = pairs.length;
      if (n <= 48) {
        for (let i = 1; i < n; i++) {
          const x = pairs[i] as [number, Json];
          let j = i - 1;
          while (j >= 0 && ((pairs[j] as [number, Json])[0] as number) > x[0]) {
            pairs[j + 1] = pairs[j] as [Json, Json];
            j--;
          }
          pairs[j + 1] = x;
        }
        return pairs.map((e) => e[1]);
      }
      return pairs.sort((a, b) => (a[0] as number) - (b[0] as number)).map((e) => e[1]);
    }
    return stableSort(pairs, (a, b) => compareKeys(a[0], b[0], single)).map((e) => e[1]);
  }),
);

function groups(pairs: Keyed): Json[][] {
  chargeSort(pairs.length);
  const single = pairs.single === true;
  stableSort(pairs, (a, b) => compareKeys(a[0], b[0], single));
  const out: Json[][] = [];
  let prev: Json | undefined;
  for (const [key, x] of pairs) {
    if (prev !== undefined && compareKeys(prev, key, single) === 0)
      (out[out.length - 1] as Json[]).push(x);
    else out.push([x]);
    prev = key;
  }
  return out;
}

native('group_by', 1, ([f]) => fromOne((v, env) => groups(keyed(f as F, v, 'grouped', env))));
native('unique_by', 1, ([f]) =>
  fromOne((v, env) => groups(keyed(f as F, v, 'grouped', env)).map((g) => g[0] as Json)),
);
fn0('unique', (v) => groups(arrayInput(v, 'sorted').map((x) => [[x], x])).map((g) => g[0] as Json));

function extreme(pairs: Keyed, max: boolean): Json {
  if (pairs.length === 0) return null;
  const single = pairs.single === true;
  let best = pairs[0] as [Json, Json];
  for (let i = 1; i < pairs.length; i++) {
    const p = pairs[i] as [Json, Json];
    const c = compareKeys(p[0], best[0], single);
    if (max ? c >= 0 : c < 0) best = p;
  }
  return best[1];
}
function extremeOf(v: Json, max: boolean): Json {
  const a = arrayInput(v, 'iterated over');
  if (a.length === 0) return null;
  let best = a[0] as Json;
  for (let i = 1; i < a.length; i++) {
    const x = a[i] as Json;
    const c =
      typeof x === 'number' && typeof best === 'number'
        ? x < best
          ? -1
          : x > best
            ? 1
            : 0
        : compare(x, best);
    if (max ? c >= 0 : c < 0) best = x;
  }
  return best;
}
fn0('min', (v) => extremeOf(v, false));
fn0('max', (v) => extremeOf(v, true));
native('min_by', 1, ([f]) =>
  fromOne((v, env) => extreme(keyed(f as F, v, 'iterated over', env), false)),
);
native('max_by', 1, ([f]) =>
  fromOne((v, env) => extreme(keyed(f as F, v, 'iterated over', env), true)),
);

fn0('reverse', (v) => {
  if (v === null) return [];
  if (typeof v === 'string') return Array.from(v).reverse().join('');
  if (Array.isArray(v)) return v.slice().reverse();
  return fail(`Cannot reverse ${desc(v)}`);
});

function values(v: Json): Json[] {
  if (Array.isArray(v)) return v;
  if (isObject(v)) return Object.keys(v).map((k) => v[k] as Json);
  return fail(`Cannot iterate over ${desc(v)}`);
}

fn0('add', (v) => {
  const xs = values(v);
  if (xs.length === 0) return null;
  let acc: Json = xs[0] as Json;
  if (typeof acc === 'number') {
    let i = 1;
    let sum = acc;
    for (; i < xs.length; i++) {
      const x = xs[i] as Json;
      if (typeof x !== 'number') break;
      sum += x;
    }
    acc = sum;
    for (; i < xs.length; i++) acc = add(acc, xs[i] as Json);
    return acc;
  }
  if (typeof acc === 'string' && xs.every((x) => typeof x === 'string')) {
    const s = (xs as string[]).join('');
    checkLength(s.length);
    return s;
  }
  for (let i = 1; i < xs.length; i++) acc = add(acc, xs[i] as Json);
  return acc;
});
native('add', 1, ([f]) =>
  fromOne((v, env) => {
    let acc: Json = null;
    for (const x of collect(f as F, v, env)) acc = add(acc, x);
    return acc;
  }),
);

fn('join', 1, (v, sep) => {
  const xs = values(v);
  if (xs.length === 0) return '';
  let s = '';
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as Json;
    if (i > 0) {
      if (typeof sep !== 'string') return fail(`${desc(s)} and ${desc(sep)} cannot be added`);
      s += sep;
    }
    if (x === null) continue;
    if (typeof x === 'string') s += x;
    else if (typeof x === 'number' || typeof x === 'boolean') s += dump(x);
    else return fail(`${desc(s)} and ${desc(x)} cannot be added`);
    checkLength(s.length);
  }
  return s;
});

/** Flattens up to `depth` levels, with an explicit stack (data may be 10,000 deep). */
function flat(a: Json[], depth: number, out: Json[]): Json[] {
  const stack: [Json[], number, number][] = [[a, 0, depth]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as [Json[], number, number];
    const [arr, i, left] = top;
    if (i >= arr.length) {
      stack.pop();
      continue;
    }
    top[1] = i + 1;
    const x = arr[i] as Json;
    if (Array.isArray(x) && left > 0) {
      step();
      stack.push([x, 0, left - 1]);
    } else {
      out.push(x);
      if (out.length > 1024 && (out.length & 1023) === 0) checkLength(out.length);
    }
  }
  checkLength(out.length);
  return out;
}

fn0('flatten', (v) => flat(arrayInput(v, 'flattened'), 1e9, []));
fn('flatten', 1, (v, d) => {
  if (typeof d !== 'number') return fail('flatten depth must not be negative');
  if (d < 0) return fail('flatten depth must not be negative');
  if (!Array.isArray(v)) return fail(`Cannot iterate over ${desc(v)}`);
  return flat(v, d, []);
});

export function strIndices(s: string, sub: string): Json {
  if (sub === '') return null;
  charge(s.length * sub.length);
  const out: number[] = [];
  const cps = Array.from(s);
  const subCps = Array.from(sub);
  outer: for (let i = 0; i + subCps.length <= cps.length; i++) {
    for (let j = 0; j < subCps.length; j++) if (cps[i + j] !== subCps[j]) continue outer;
    out.push(i);
  }
  return out;
}

// jq: arrays search for $i (or the subarray $i), strings for a substring; anything
// else is `.[$i]` (so `null | indices(null)` is an index error, as in jq)
function indicesOf(v: Json, i: Json): Json {
  if (typeof v === 'string' && typeof i === 'string') return strIndices(v, i);
  if (!Array.isArray(v)) return index(v, i);
  if (Array.isArray(v)) {
    const sub = Array.isArray(i) ? i : [i];
    if (sub.length === 0) return null;
    charge(v.length * sub.length);
    const out: number[] = [];
    for (let s = 0; s + sub.length <= v.length; s++) {
      let ok = true;
      for (let j = 0; j < sub.length; j++)
        if (!equals(v[s + j] as Json, sub[j] as Json)) {
          ok = false;
          break;
        }
      if (ok) out.push(s);
    }
    return out;
  }
  return fail(`Cannot determine indices of ${desc(i)} in ${desc(v)}`);
}
fn('indices', 1, indicesOf);
fn('_indices', 1, indicesOf);
fn('index', 1, (v, i) => {
  const r = indicesOf(v, i);
  return Array.isArray(r) ? (r[0] ?? null) : null;
});
fn('rindex', 1, (v, i) => {
  const r = indicesOf(v, i);
  return Array.isArray(r) ? (r[r.length - 1] ?? null) : null;
});

fn0('explode', (v) => {
  if (typeof v !== 'string') return fail(`${desc(v)} cannot be exploded, as it is not a string`);
  const out: number[] = [];
  for (const ch of v) out.push(ch.codePointAt(0) as number);
  return out;
});
fn0('implode', (v) => {
  if (!Array.isArray(v)) return fail('implode input must be an array');
  checkLength(v.length);
  let s = '';
  for (const c of v) {
    if (typeof c !== 'number' || c !== c)
      return fail(
        `${typeOf(c)} (${typeof c === 'number' ? 'null' : dump(c)}) can't be imploded, unicode codepoint needs to be numeric`,
      );
    let cp = Math.trunc(c);
    if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
    s += String.fromCodePoint(cp);
  }
  return s;
});

function contains(a: Json, b: Json): boolean {
  if (typeOf(a) !== typeOf(b))
    return fail(`${desc(a)} and ${desc(b)} cannot have their containment checked`);
  try {
    return containsIn(a, b);
  } catch (e) {
    // containment backtracks, so it recurses; data deeper than the stack is jq's error
    if (e instanceof RangeError) return fail('Containment check too deep');
    throw e;
  }
}

function containsIn(a: Json, b: Json): boolean {
  if (typeOf(a) !== typeOf(b)) return false;
  step();
  if (isObject(a) && isObject(b)) {
    for (const k of Object.keys(b)) {
      if (!Object.prototype.hasOwnProperty.call(a, k)) return false;
      if (!containsIn(a[k] as Json, b[k] as Json)) return false;
    }
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    charge(a.length * b.length);
    return b.every((y) => a.some((x) => containsIn(x, y)));
  }
  if (typeof a === 'string' && typeof b === 'string') {
    charge(a.length);
    return a.includes(b);
  }
  return equals(a, b);
}
fn('contains', 1, (a, b) => contains(a, b));
fn('inside', 1, (a, b) => contains(b, a));

fn('bsearch', 1, (v, target) => {
  if (!Array.isArray(v)) return fail(`${desc(v)} cannot be searched from`);
  let lo = 0;
  let hi = v.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compare(v[mid] as Json, target);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1 - lo;
});
