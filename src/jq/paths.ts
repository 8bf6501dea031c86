// getpath / setpath / delpaths: the primitives under every assignment operator.
// Values are never mutated: each update copies the containers along the path.
import type { Json } from './api.js';
import { index, sliceRange } from './ops.js';
import { charge, checkLength } from './runtime.js';
import type { JsonObject } from './values.js';
import { compare, copyObject, fail, getKey, isObject, setKey, typeOf } from './values.js';

const MAX_PATH = 10000;

export function getpath(v: Json, path: Json): Json {
  if (!Array.isArray(path)) return fail('Path must be specified as an array');
  if (path.length > MAX_PATH) return fail('Path too deep');
  let cur = v;
  for (const k of path) {
    if (cur === null) return null;
    cur = index(cur, k);
  }
  return cur;
}

/** One level of setpath: `t` with `child` put at key `k` (t copied, never changed). */
function setOne(t: Json, k: Json, child: Json): Json {
  if (typeof k === 'string') {
    const o: JsonObject = t === null ? {} : copyObject(t as JsonObject);
    setKey(o, k, child);
    return o;
  }
  if (typeof k === 'number') {
    if (k !== k) fail('Cannot set array element at NaN index');
    let idx = Math.floor(k);
    if (idx >= 2 ** 29) fail('Array index too large');
    checkLength(idx + 1);
    const a: Json[] = t === null ? [] : (t as Json[]).slice();
    charge(a.length);
    if (idx < 0) {
      idx += a.length;
      if (idx < 0) fail('Out of bounds negative array index');
    }
    while (a.length < idx) a.push(null);
    a[idx] = child;
    return a;
  }
  if (isObject(k)) {
    if (typeof t === 'string') fail('Cannot update string slices');
    const a: Json[] = t === null ? [] : (t as Json[]);
    const [s, e] = sliceRange(a.length, getKey(k, 'start') ?? null, getKey(k, 'end') ?? null);
    if (!Array.isArray(child)) fail('A slice of an array can only be assigned another array');
    checkLength(a.length - (e - s) + child.length);
    charge(a.length + child.length);
    return [...a.slice(0, s), ...child, ...a.slice(e)];
  }
  return fail(`Cannot update field at ${typeOf(k)} index of ${typeOf(t)}`);
}

/** setpath without recursion: read the containers down the path, rebuild them upwards. */
function setAt(t: Json, path: Json[], from: number, x: Json): Json {
  const nodes: Json[] = [];
  let cur = t;
  for (let i = from; i < path.length; i++) {
    nodes.push(cur);
    const k = path[i] as Json;
    if (cur !== null && isObject(k) && typeof cur === 'string') fail('Cannot update string slices');
    cur = cur === null ? null : index(cur, k);
  }
  let r = x;
  for (let i = path.length - 1; i >= from; i--)
    r = setOne(nodes[i - from] as Json, path[i] as Json, r);
  return r;
}

export function setpath(v: Json, path: Json, x: Json): Json {
  if (!Array.isArray(path)) return fail('Path must be specified as an array');
  if (path.length > MAX_PATH) return fail('Path too deep');
  return setAt(v, path, 0, x);
}

function delAt(t: Json, path: Json[], i: number): Json {
  if (t === null) return null;
  const k = path[i] as Json;
  if (i === path.length - 1) {
    if (typeof k === 'string') {
      if (!isObject(t)) return fail(`Cannot delete field at object index of ${typeOf(t)}`);
      if (getKey(t, k) === undefined) return t;
      const o: JsonObject = {};
      charge(Object.keys(t).length);
      for (const key in t) if (key !== k) setKey(o, key, t[key] as Json);
      return o;
    }
    if (typeof k === 'number') {
      if (!Array.isArray(t)) return fail(`Cannot delete field at index of ${typeOf(t)}`);
      let idx = Math.floor(k);
      if (idx < 0) idx += t.length;
      if (idx < 0 || idx >= t.length) return t;
      charge(t.length);
      return [...t.slice(0, idx), ...t.slice(idx + 1)];
    }
    if (isObject(k)) {
      if (!Array.isArray(t)) return fail(`Cannot delete slice of ${typeOf(t)}`);
      const [s, e] = sliceRange(t.length, getKey(k, 'start') ?? null, getKey(k, 'end') ?? null);
      charge(t.length);
      return [...t.slice(0, s), ...t.slice(e)];
    }
    return fail(`Cannot delete field at ${typeOf(k)} index of ${typeOf(t)}`);
  }
  const child = index(t, k);
  if (child === null) return t;
  return setAt(t, [k], 0, delAt(child, path, i + 1));
}

/** Negative array indices resolved against `v`, so deletions sort in position order. */
function resolve(v: Json, path: Json[]): Json[] {
  let cur: Json = v;
  const out: Json[] = [];
  for (const k of path) {
    let key = k;
    if (typeof k === 'number' && k < 0 && Array.isArray(cur) && k + cur.length >= 0)
      key = k + cur.length;
    out.push(key);
    try {
      cur = cur === null ? null : index(cur, key);
    } catch {
      cur = null;
    }
  }
  return out;
}

export function delpaths(v: Json, paths: Json): Json {
  if (!Array.isArray(paths)) return fail('Paths must be specified as an array');
  const sorted = paths
    .map((p) => (Array.isArray(p) && p.length <= MAX_PATH ? resolve(v, p) : p))
    .sort(compare);
  let cur = v;
  for (let i = sorted.length - 1; i >= 0; i--) {
    const p = sorted[i] as Json;
    if (!Array.isArray(p)) return fail('Path must be specified as an array');
    if (p.length > MAX_PATH) return fail('Path too deep');
    if (p.length === 0) return null;
    cur = delAt(cur, p, 0);
  }
  return cur;
}
