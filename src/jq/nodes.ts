// Filter factories for the core language: each takes compiled sub-filters and returns
// a filter with a generator and, where the shape allows, a single-value fast path.
import type { Json } from './api.js';
import { BINOPS, field, index, negate, slice } from './ops.js';
import { fieldChain } from './chains.js';
import type { Emit, Env, F, None, Path } from './runtime.js';
import {
  BAD,
  extend,
  NONE,
  catchable,
  checkLength,
  emitValue,
  fromOne,
  invalidPath,
  rt,
  step,
  steps,
} from './runtime.js';
import { desc, dumpTrunc, fail, isObject, truthy, typeOf } from './values.js';
import { JqError } from './api.js';

export const IDENTITY: F = {
  one: (v) => v,
  gen: (v, p, _env, k) => k(v, p),
};

export const EMPTY: F = {
  one: () => NONE,
  gen: () => {},
};

export function literal(value: Json): F {
  const f = fromOne(() => value);
  f.constant = { value };
  return f;
}

/** Runs an indexing step; with `opt` (`.a?`) its error means no output. */
function attempt<T>(opt: boolean, op: () => T): T | None {
  if (!opt) return op();
  try {
    return op();
  } catch (e) {
    if (catchable(e)) return NONE;
    throw e;
  }
}

export function fieldF(target: F, name: string, opt = false): F {
  const gen = (v: Json, p: Path | null, env: Env, k: Emit): void =>
    target.gen(v, p, env, (x, q) => {
      const r = attempt(opt, () => {
        const path = extend(q, name, x);
        const y = field(x, name);
        return path === null ? y : ([y, path] as [Json, Path]);
      });
      if (r === NONE) return;
      if (q === null) k(r as Json, null);
      else k((r as [Json, Path])[0], (r as [Json, Path])[1]);
    });
  if (name !== '__proto__' && !opt && (target === IDENTITY || target.fields)) {
    // `.a.b.c` from `.`: one closure walking the names (no call per step)
    const names = [...(target.fields ?? []), name];
    return { gen, fields: names, one: fieldChain(names) };
  }
  const t = target.one;
  return t
    ? {
        gen,
        one: (v, env) => {
          const x = t(v, env);
          if (x === NONE) return NONE;
          if (
            !opt &&
            name !== '__proto__' &&
            x !== null &&
            typeof x === 'object' &&
            !Array.isArray(x)
          ) {
            const r = x[name];
            return r === undefined || typeof r === 'function' ? null : r;
          }
          return attempt(opt, () => field(x, name));
        },
      }
    : { gen };
}

export function indexF(target: F, idx: F, opt = false): F {
  const gen = (v: Json, p: Path | null, env: Env, k: Emit): void =>
    idx.gen(v, null, env, (i) =>
      target.gen(v, p, env, (x, q) => {
        const r = attempt(opt, () => {
          if (q !== null && Array.isArray(i) && Array.isArray(x)) invalidPath(index(x, i));
          const path = extend(q, i, x);
          const y = index(x, i);
          return path === null ? y : ([y, path] as [Json, Path]);
        });
        if (r === NONE) return;
        if (q === null) k(r as Json, null);
        else k((r as [Json, Path])[0], (r as [Json, Path])[1]);
      }),
    );
  const t = target.one;
  const io = idx.one;
  if (t && io) {
    return {
      gen,
      one: (v, env) => {
        const i = io(v, env);
        if (i === NONE) return NONE;
        const x = t(v, env);
        return x === NONE ? NONE : attempt(opt, () => index(x, i));
      },
    };
  }
  return { gen };
}

export function sliceF(target: F, from: F | undefined, to: F | undefined, opt = false): F {
  const fromF = from ?? literalNull;
  const toF = to ?? literalNull;
  const gen = (v: Json, p: Path | null, env: Env, k: Emit): void =>
    toF.gen(v, null, env, (b) =>
      fromF.gen(v, null, env, (a) =>
        target.gen(v, p, env, (x, q) => {
          const r = attempt(opt, () => {
            if (x !== null && !Array.isArray(x) && typeof x !== 'string')
              fail(`Cannot index ${typeOf(x)} with object`);
            const path = extend(q, { start: a, end: b }, x);
            const y = slice(x, a, b);
            return path === null ? y : ([y, path] as [Json, Path]);
          });
          if (r === NONE) return;
          if (q === null) k(r as Json, null);
          else k((r as [Json, Path])[0], (r as [Json, Path])[1]);
        }),
      ),
    );
  return { gen };
}
const literalNull = literal(null);

export function iterate(x: Json, q: Path | null, k: Emit, opt = false): void {
  if (q === BAD) {
    if (opt) return;
    throw new JqError(`Invalid path expression near attempt to iterate through ${dumpTrunc(x)}`);
  }
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      step();
      k(x[i] as Json, q === null ? null : { k: i, up: q });
    }
  } else if (isObject(x)) {
    for (const key of Object.keys(x)) {
      step();
      k(x[key] as Json, q === null ? null : { k: key, up: q });
    }
  } else if (!opt) {
    fail(`Cannot iterate over ${desc(x)}`);
  }
}

export function iterateF(target: F, opt = false): F {
  if (target === IDENTITY) return { gen: (v, p, _env, k) => iterate(v, p, k, opt) };
  return { gen: (v, p, env, k) => target.gen(v, p, env, (x, q) => iterate(x, q, k, opt)) };
}

export function pipe(left: F, right: F): F {
  if (left === IDENTITY) return right;
  if (right === IDENTITY) return left;
  const gen = (v: Json, p: Path | null, env: Env, k: Emit): void =>
    left.gen(v, p, env, (x, q) => right.gen(x, q, env, k));
  const l = left.one;
  const r = right.one;
  if (l && r) {
    return {
      gen,
      one: (v, env) => {
        const x = l(v, env);
        return x === NONE ? NONE : r(x, env);
      },
    };
  }
  return { gen };
}

export function comma(left: F, right: F): F {
  return {
    gen: (v, p, env, k) => {
      left.gen(v, p, env, k);
      right.gen(v, p, env, k);
    },
  };
}

/**
 * A comparison of a single-valued filter with a literal (`.qty > 2`, `.status == "paid"`,
 * `2 < .qty`): the literal is not re-evaluated and numbers / primitives compare directly;
 * anything else falls back to jq's total order in `fn`. A one-name field chain (`.qty`)
 * is read in place. Undefined when the shape differs. The filter's `test` (used by
 * select) answers the comparison as a boolean, false when the operand has no output.
 */
function compareWithConstant(
  op: string,
  fn: (a: Json, b: Json) => Json,
  left: F,
  right: F,
): F | undefined {
  const flipped = right.constant === undefined;
  const lit = flipped ? left.constant : right.constant;
  const operand = flipped ? right : left;
  const other = operand.one;
  if (lit === undefined || other === undefined) return undefined;
  const c = lit.value;
  let cmp: ((a: Json) => boolean) | undefined;
  if (op === '==' || op === '!=') {
    // a primitive literal equals only the same primitive (jq numbers are JS numbers)
    if (c !== null && typeof c === 'object') return undefined;
    cmp = op === '==' ? (a) => a === c : (a) => a !== c;
  } else {
    const num = NUMERIC[flipped ? (FLIP[op] ?? '') : op];
    if (typeof c !== 'number' || c !== c || num === undefined) return undefined;
    const slow = flipped ? (a: Json) => truthy(fn(c, a)) : (a: Json) => truthy(fn(a, c));
    cmp = (a) => (typeof a === 'number' && a === a ? num(a, c) : slow(a));
  }
  const is = cmp;
  const name = operand.fields?.length === 1 ? operand.fields[0] : undefined;
  if (name !== undefined) {
    // `.name op literal`: the read of the one-name chain, inline
    const test = (v: Json): boolean => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const r: Json | undefined = v[name];
        return is(r === undefined || typeof r === 'function' ? null : r);
      }
      return is(other(v, null) as Json);
    };
    return { ...fromOne((v) => test(v)), test };
  }
  const test = (v: Json, env: Env): boolean => {
    const a = other(v, env);
    return a !== NONE && is(a);
  };
  return {
    ...fromOne((v, env) => {
      const a = other(v, env);
      return a === NONE ? NONE : is(a);
    }),
    test,
  };
}

const NUMERIC: Record<string, (a: number, c: number) => boolean> = {
  '<': (a, c) => a < c,
  '<=': (a, c) => a <= c,
  '>': (a, c) => a > c,
  '>=': (a, c) => a >= c,
};
/** `c op a` as `a op' c`. */
const FLIP: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

export function binop(op: string, left: F, right: F): F {
  const fn = BINOPS[op] as (a: Json, b: Json) => Json;
  const l = left.one;
  const r = right.one;
  if (l && r) {
    const fast = compareWithConstant(op, fn, left, right);
    if (fast) return fast;
    return fromOne((v, env) => {
      const b = r(v, env);
      if (b === NONE) return NONE;
      const a = l(v, env);
      return a === NONE ? NONE : fn(a, b);
    });
  }
  return {
    gen: (v, p, env, k) =>
      right.gen(v, null, env, (b) => left.gen(v, null, env, (a) => emitValue(fn(a, b), p, k))),
  };
}

export function negF(body: F): F {
  const b = body.one;
  if (b)
    return fromOne((v, env) => {
      const x = b(v, env);
      return x === NONE ? NONE : negate(x);
    });
  return { gen: (v, p, env, k) => body.gen(v, null, env, (x) => emitValue(negate(x), p, k)) };
}

export function andF(left: F, right: F): F {
  return {
    gen: (v, p, env, k) =>
      left.gen(v, null, env, (a) => {
        if (!truthy(a)) emitValue(false, p, k);
        else right.gen(v, null, env, (b) => emitValue(truthy(b), p, k));
      }),
    ...(left.one && right.one
      ? {
          one: (v: Json, env: Env): Json | None => {
            const a = left.one!(v, env);
            if (a === NONE) return NONE;
            if (!truthy(a)) return false;
            const b = right.one!(v, env);
            return b === NONE ? NONE : truthy(b);
          },
        }
      : {}),
  };
}

export function orF(left: F, right: F): F {
  return {
    gen: (v, p, env, k) =>
      left.gen(v, null, env, (a) => {
        if (truthy(a)) emitValue(true, p, k);
        else right.gen(v, null, env, (b) => emitValue(truthy(b), p, k));
      }),
    ...(left.one && right.one
      ? {
          one: (v: Json, env: Env): Json | None => {
            const a = left.one!(v, env);
            if (a === NONE) return NONE;
            if (truthy(a)) return true;
            const b = right.one!(v, env);
            return b === NONE ? NONE : truthy(b);
          },
        }
      : {}),
  };
}

/**
 * `a // b`: the truthy outputs of a, or, when it has none, the outputs of b. Errors of
 * a propagate, as in jq 1.7.1 (`.a // 1` on an array is an error).
 */
export function altF(left: F, right: F): F {
  const gen = (v: Json, p: Path | null, env: Env, k: Emit): void => {
    let found = false;
    left.gen(v, p, env, (x, q) => {
      if (truthy(x)) {
        found = true;
        k(x, q);
      }
    });
    if (!found) right.gen(v, p, env, k);
  };
  const l = left.one;
  const r = right.one;
  if (l && r) {
    return {
      gen,
      one: (v, env) => {
        const x = l(v, env);
        return x !== NONE && truthy(x) ? x : r(v, env);
      },
    };
  }
  return { gen };
}

export function ifF(cond: F, then: F, els: F): F {
  const gen = (v: Json, p: Path | null, env: Env, k: Emit): void =>
    cond.gen(v, null, env, (c) => (truthy(c) ? then : els).gen(v, p, env, k));
  const c = cond.one;
  const t = then.one;
  const e = els.one;
  if (c && t && e) {
    return {
      gen,
      one: (v, env) => {
        const x = c(v, env);
        if (x === NONE) return NONE;
        return truthy(x) ? t(v, env) : e(v, env);
      },
    };
  }
  return { gen };
}

/** try/catch: errors raised downstream (inside k) pass through untouched. */
export function tryF(body: F, handler: F | undefined): F {
  const gen = (v: Json, p: Path | null, env: Env, k: Emit): void => {
    let downstream = false;
    const depth = rt.depth;
    try {
      body.gen(v, p, env, (x, q) => {
        downstream = true;
        k(x, q);
        downstream = false;
      });
    } catch (e) {
      if (downstream || !catchable(e)) throw e;
      rt.depth = depth;
      if (handler) handler.gen(e.value, null, env, (x) => emitValue(x, p, k));
    }
  };
  const b = body.one;
  const h = handler?.one;
  if (b && (handler === undefined || h)) {
    return {
      gen,
      one: (v, env) => {
        const depth = rt.depth;
        try {
          return b(v, env);
        } catch (e) {
          if (!catchable(e)) throw e;
          rt.depth = depth;
          return h ? h(e.value, env) : NONE;
        }
      },
    };
  }
  return { gen };
}

export function arrayF(body: F | undefined): F {
  if (body === undefined) return fromOne(() => []);
  const b = body.one;
  if (b) {
    return fromOne((v, env) => {
      const x = b(v, env);
      return x === NONE ? [] : [x];
    });
  }
  return fromOne((v, env) => {
    const out: Json[] = [];
    body.gen(v, null, env, (x) => {
      if (out.length >= rt.maxLength) checkLength(out.length + 1);
      out.push(x);
    });
    return out;
  });
}

/**
 * `[T[] | f]` with single-valued T and f: a plain loop. The loop charges its items'
 * steps once before it starts (steps(n)) rather than one step() per item. When f is
 * `select(p)` with a single-valued p, the loop tests p and keeps the item directly.
 */
export function mapF(f: F, target: F = IDENTITY): F {
  const o = f.one;
  const t = target.one;
  if (!o || !t) return arrayF(pipe(iterateF(target), f));
  const keep = f.keep;
  return fromOne((input, env) => {
    const v = target === IDENTITY ? input : t(input, env);
    if (v === NONE) return [];
    const out: Json[] = [];
    if (Array.isArray(v)) {
      const n = v.length;
      steps(n);
      if (keep) {
        for (let i = 0; i < n; i++) {
          const x = v[i] as Json;
          if (keep(x, env)) out.push(x);
        }
      } else {
        for (let i = 0; i < n; i++) {
          const r = o(v[i] as Json, env);
          if (r !== NONE) out.push(r);
        }
      }
    } else if (isObject(v)) {
      const keys = Object.keys(v);
      steps(keys.length);
      for (const key of keys) {
        const r = o(v[key] as Json, env);
        if (r !== NONE) out.push(r);
      }
    } else fail(`Cannot iterate over ${desc(v)}`);
    return out;
  });
}

export function objectF(entries: { key: F; value: F }[]): F {
  const setEntry = (o: { [k: string]: Json }, key: Json, value: Json): void => {
    if (typeof key !== 'string') {
      fail(`Object keys must be strings`);
    }
    if (key === '__proto__') {
      Object.defineProperty(o, key, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } else o[key] = value;
  };
  if (entries.every((e) => e.key.one && e.value.one)) {
    const es = entries.map((e) => [e.key.one!, e.value.one!] as const);
    return fromOne((v, env) => {
      const o: { [k: string]: Json } = {};
      for (const [kf, vf] of es) {
        const key = kf(v, env);
        if (key === NONE) return NONE;
        const val = vf(v, env);
        if (val === NONE) return NONE;
        setEntry(o, key, val);
      }
      return o;
    });
  }
  return {
    gen: (v, p, env, k) => {
      const keys: Json[] = [];
      const vals: Json[] = [];
      const go = (i: number): void => {
        if (i === entries.length) {
          const o: { [k: string]: Json } = {};
          for (let j = 0; j < keys.length; j++) setEntry(o, keys[j] as Json, vals[j] as Json);
          emitValue(o, p, k);
          return;
        }
        const e = entries[i] as { key: F; value: F };
        // as jq: the key's type is checked when the pair is inserted, after the value
        e.key.gen(v, null, env, (key) => {
          e.value.gen(v, null, env, (val) => {
            keys[i] = key;
            vals[i] = val;
            go(i + 1);
          });
        });
      };
      go(0);
    },
  };
}
