// Evaluation machinery shared by the compiler and the builtins. A compiled filter is
// a pair: `gen`, a callback (continuation) generator that calls `k` once per output,
// and, when the filter is statically at-most-one-valued, `one`, a direct function that
// returns the output or NONE. `one` is the fast path gojq and jaq get their speed from;
// generators would be the slow path. `p` is the path of `v` when the caller tracks
// paths (path(), assignment), or null in plain value mode.
import type { Json } from './api.js';
import { JqError } from './api.js';
import { dumpTrunc } from './values.js';

export const NONE: unique symbol = Symbol('none');
export type None = typeof NONE;
/**
 * A path in path mode: a persistent list from the leaf up to ROOT, so extending a path
 * is O(1) (`path(..)` over deep data stays linear); pathArray() materialises it.
 */
export interface Path {
  readonly k: Json;
  readonly up: Path | null;
}
export const ROOT: Path = { k: null, up: null };
export type Emit = (v: Json, p: Path | null) => void;
/** Variables, closures and labels, as a linked list resolved by position at compile time. */
export type Env = { v: unknown; n: Env } | null;

export interface F {
  gen(v: Json, p: Path | null, env: Env, k: Emit): void;
  one?: (v: Json, env: Env) => Json | None;
  /** Set when the filter is a plain field chain `.a.b.c` from `.` (a fast path). */
  fields?: readonly string[];
  /** Set when the filter is a literal: comparisons against it take a fast path. */
  constant?: { readonly value: Json };
  /** Set on comparisons with a literal: the truthiness of the output, false when none. */
  test?: (v: Json, env: Env) => boolean;
  /** Set when the filter is `select(p)` with a single-valued p: whether v is kept. */
  keep?: (v: Json, env: Env) => boolean;
}

export interface Closure {
  f: F;
  env: Env;
}

/** A `break $label` in flight: caught by the label with the same token. */
export class BreakSignal {
  constructor(readonly token: object) {}
}

export { charge, checkLength, limitError, rt, step, steps } from './budget.js';
import { chargeMemory, checkLength, rt } from './budget.js';

/** Errors that `try` and `?` may catch: jq errors, never limits or breaks. */
export function catchable(e: unknown): e is JqError {
  return e instanceof JqError && e.kind === 'error';
}

export function invalidPath(v: Json): never {
  throw new JqError(`Invalid path expression with result ${dumpTrunc(v)}`);
}

/**
 * The path of a computed value in path mode. Like jq, using it is an error only when a
 * path operation is applied to it, or when path() / an assignment collects it.
 */
export const BAD: Path = { k: null, up: null };

/** Emit a computed value; in path mode a computed value has no path. */
export function emitValue(v: Json, p: Path | null, k: Emit): void {
  k(v, p === null ? null : BAD);
}

/** The path of `x` extended by `key`. */
export function extend(q: Path | null, key: Json, x: Json): Path | null {
  if (q === null) return null;
  if (q === BAD)
    throw new JqError(
      `Invalid path expression near attempt to access element ${dumpTrunc(key)} of ${dumpTrunc(x)}`,
    );
  return { k: key, up: q };
}

/** The keys of a path, root first. */
export function pathArray(q: Path): Json[] {
  const out: Json[] = [];
  for (let n: Path = q; n !== ROOT && n.up !== null; n = n.up) out.push(n.k);
  chargeMemory(out.length);
  return out.reverse();
}

/** A path extended by several keys (getpath in path mode). */
export function extendAll(q: Path, keys: Json[]): Path {
  let r = q;
  for (const key of keys) r = { k: key, up: r };
  return r;
}

/** A collected path; a computed value there is jq's "Invalid path expression with result". */
export function realPath(q: Path | null, x: Json): Json[] {
  if (q === BAD || q === null) invalidPath(x);
  return pathArray(q);
}

/** A filter from a single-valued function. */
export function fromOne(one: (v: Json, env: Env) => Json | None): F {
  return {
    one,
    gen(v, p, env, k) {
      const r = one(v, env);
      if (r === NONE) return;
      k(r, p === null ? null : BAD);
    },
  };
}

/** Collect every output of a filter (value mode). */
export function collect(f: F, v: Json, env: Env): Json[] {
  if (f.one) {
    const r = f.one(v, env);
    return r === NONE ? [] : [r];
  }
  const out: Json[] = [];
  f.gen(v, null, env, (x) => {
    out.push(x);
    if (out.length > rt.maxLength) checkLength(out.length);
  });
  return out;
}

class Stop {
  constructor(readonly value: Json) {}
}

/** First output of a filter, stopping the generator early. */
export function firstOf(f: F, v: Json, env: Env): Json | None {
  if (f.one) return f.one(v, env);
  const depth = rt.depth;
  let stop: Stop | undefined;
  try {
    f.gen(v, null, env, (x) => {
      stop = new Stop(x);
      throw stop;
    });
  } catch (e) {
    if (stop !== undefined && e === stop) {
      rt.depth = depth;
      return stop.value;
    }
    throw e;
  }
  return NONE;
}

/** Run `f` and call `each` for every output, in value mode. */
export function each(f: F, v: Json, env: Env, k: (x: Json) => void): void {
  if (f.one) {
    const r = f.one(v, env);
    if (r !== NONE) k(r);
    return;
  }
  f.gen(v, null, env, k);
}
