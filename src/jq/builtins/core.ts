// Natives of the language core: control (empty, error, select, first, limit, ...),
// paths (path, getpath, setpath, delpaths, recurse), and the basic value builtins.
import type { Json } from '../api.js';
import { JqError } from '../api.js';
import { mapF } from '../nodes.js';
import { delpaths, getpath, setpath } from '../paths.js';
import type { Emit, Env, F, Path } from '../runtime.js';
import {
  BAD,
  ROOT,
  extendAll,
  realPath,
  NONE,
  catchable,
  checkLength,
  emitValue,
  firstOf,
  fromOne,
  limitError,
  rt,
  step,
} from '../runtime.js';
import {
  desc,
  dump,
  fail,
  getKey,
  isObject,
  setKey,
  sortedKeys,
  toText,
  truthy,
  typeOf,
} from '../values.js';
import { fn, fn0, native } from './helpers.js';
import { parseJson } from '../json.js';
import { strIndices } from './collections.js';

native('empty', 0, () => ({ one: () => NONE, gen: () => {} }));

export function raise(v: Json): never {
  const msg =
    typeof v === 'string'
      ? v
      : v === null
        ? 'null (null) not a string'
        : `${dump(v)} (not a string)`;
  throw new JqError(msg, v);
}
fn0('error', raise);
fn('error', 1, (_v, m) => raise(m));
fn0('not', (v) => !truthy(v));

native('select', 1, ([f]) => {
  const c = f as F;
  const co = c.one;
  const gen = (v: Json, p: Path | null, env: Env, k: Emit): void =>
    c.gen(v, null, env, (x) => {
      if (truthy(x)) k(v, p);
    });
  if (co) {
    // `keep` lets map() test the predicate and keep the item in its own loop
    const keep =
      c.test ??
      ((v: Json, env: Env): boolean => {
        const x = co(v, env);
        return x !== NONE && x !== null && x !== false;
      });
    return { gen, keep, one: (v, env) => (keep(v, env) ? v : NONE) };
  }
  return { gen };
});

native('map', 1, ([f]) => mapF(f as F));

native('path', 1, ([f]) => ({
  gen: (v, p, env, k) => (f as F).gen(v, ROOT, env, (x, q) => emitValue(realPath(q, x), p, k)),
}));

native('getpath', 1, ([f]) => ({
  gen: (v, p, env, k) =>
    (f as F).gen(v, null, env, (path) => {
      let r: Json;
      try {
        r = getpath(v, path);
      } catch (e) {
        if (p !== null && catchable(e)) r = null;
        else throw e;
      }
      if (p === BAD)
        throw new JqError(
          `Invalid path expression near attempt to access element ${dump(path)} of ${dump(v)}`,
        );
      k(r, p === null ? null : extendAll(p, path as Json[]));
    }),
}));
fn('setpath', 2, (v, p, x) => setpath(v, p, x));
fn('delpaths', 1, (v, ps) => delpaths(v, ps));

function recurseAll(x: Json, q: Path | null, k: Emit): void {
  step();
  k(x, q);
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++)
      recurseAll(x[i] as Json, q === null ? null : { k: i, up: q }, k);
  } else if (isObject(x)) {
    for (const key of Object.keys(x))
      recurseAll(x[key] as Json, q === null ? null : { k: key, up: q }, k);
  }
}
native('recurse', 0, () => ({ gen: (v, p, _env, k) => recurseAll(v, p, k) }));
native('recurse', 1, ([f]) => ({
  gen: (v, p, env, k) => {
    const go = (x: Json, q: Path | null): void => {
      step();
      if (++rt.depth > rt.maxDepth) limitError(`recursion deeper than ${rt.maxDepth}`);
      k(x, q);
      (f as F).gen(x, q, env, go);
      rt.depth--;
    };
    go(v, p);
  },
}));

class Stop {
  constructor(
    readonly v: Json,
    readonly p: Path | null,
  ) {}
}

native('first', 1, ([f]) => {
  const c = f as F;
  return {
    ...(c.one ? { one: c.one } : {}),
    gen: (v, p, env, k) => {
      const depth = rt.depth;
      let stop: Stop | undefined;
      try {
        c.gen(v, p, env, (x, q) => {
          stop = new Stop(x, q);
          throw stop;
        });
      } catch (e) {
        if (stop === undefined || e !== stop) throw e;
        rt.depth = depth;
      }
      if (stop) k(stop.v, stop.p);
    },
  };
});

native('last', 1, ([f]) => ({
  gen: (v, p, env, k) => {
    let got: Stop | undefined;
    (f as F).gen(v, p, env, (x, q) => {
      got = new Stop(x, q);
    });
    if (got) k(got.v, got.p);
  },
}));

function counted(name: string, skipping: boolean): void {
  native(name, 2, ([nf, f]) => ({
    gen: (v, p, env, k) =>
      (nf as F).gen(v, null, env, (n) => {
        if (typeof n !== 'number') fail(`Invalid ${name} count: ${desc(n)}`);
        if (n < 0) fail(`${name} doesn't support negative count`);
        if (!skipping && n <= 0) return;
        let i = 0;
        const depth = rt.depth;
        const token = {};
        try {
          (f as F).gen(v, p, env, (x, q) => {
            i++;
            if (skipping) {
              if (i > n) k(x, q);
              return;
            }
            k(x, q);
            if (i >= n) throw token;
          });
        } catch (e) {
          if (e !== token) throw e;
          rt.depth = depth;
        }
      }),
  }));
}
counted('limit', false);
counted('skip', true);

native('isempty', 1, ([f]) =>
  fromOne((v, env) => {
    const depth = rt.depth;
    try {
      return firstOf(f as F, v, env) === NONE;
    } catch (e) {
      rt.depth = depth;
      throw e;
    }
  }),
);

native('until', 2, ([cond, update]) => {
  const c = cond as F;
  const u = update as F;
  if (c.one && u.one) {
    const co = c.one;
    const uo = u.one;
    return fromOne((v, env) => {
      let x = v;
      for (;;) {
        step();
        const t = co(x, env);
        if (t === NONE) return NONE;
        if (truthy(t)) return x;
        const y = uo(x, env);
        if (y === NONE) return NONE;
        x = y;
      }
    });
  }
  return {
    gen: (v, p, env, k) => {
      const go = (x: Json): void => {
        step();
        c.gen(x, null, env, (t) => (truthy(t) ? emitValue(x, p, k) : u.gen(x, null, env, go)));
      };
      go(v);
    },
  };
});

native('while', 2, ([cond, update]) => {
  const c = cond as F;
  const u = update as F;
  return {
    gen: (v, p, env, k) => {
      if (c.one && u.one) {
        let x = v;
        for (;;) {
          step();
          const t = c.one(x, env);
          if (t === NONE || !truthy(t)) return;
          emitValue(x, p, k);
          const y = u.one(x, env);
          if (y === NONE) return;
          x = y;
        }
      }
      const go = (x: Json): void => {
        step();
        c.gen(x, null, env, (t) => {
          if (!truthy(t)) return;
          emitValue(x, p, k);
          u.gen(x, null, env, go);
        });
      };
      go(v);
    },
  };
});

// jq 1.7.1 and 1.8 both give `[limit(3; 1 | repeat(.+1))]` == [2,2,2]: the outputs of
// f on the input, again and again (not f applied to its own output).
native('repeat', 1, ([f]) => {
  const c = f as F;
  return {
    gen: (v, p, env, k) => {
      for (;;) {
        step();
        let any = false;
        c.gen(v, null, env, (y) => {
          any = true;
          emitValue(y, p, k);
        });
        if (!any) return;
      }
    },
  };
});

function rangeGen(from: Json, upto: Json, by: Json, k: (x: Json) => void): void {
  if (typeof from !== 'number' || typeof upto !== 'number' || typeof by !== 'number')
    fail('Range bounds must be numeric');
  if (by > 0) {
    for (let x = from; x < upto; x += by) {
      step();
      k(x);
    }
  } else if (by < 0) {
    for (let x = from; x > upto; x += by) {
      step();
      k(x);
    }
  }
}
native('range', 1, ([n]) => ({
  gen: (v, p, env, k) =>
    (n as F).gen(v, null, env, (upto) => rangeGen(0, upto, 1, (x) => emitValue(x, p, k))),
}));
native('range', 2, ([a, b]) => ({
  gen: (v, p, env, k) =>
    (a as F).gen(v, null, env, (from) =>
      (b as F).gen(v, null, env, (upto) => rangeGen(from, upto, 1, (x) => emitValue(x, p, k))),
    ),
}));
native('range', 3, ([a, b, c]) => ({
  gen: (v, p, env, k) =>
    (a as F).gen(v, null, env, (from) =>
      (b as F).gen(v, null, env, (upto) =>
        (c as F).gen(v, null, env, (by) => rangeGen(from, upto, by, (x) => emitValue(x, p, k))),
      ),
    ),
}));

export function length(v: Json): Json {
  if (v === null) return 0;
  switch (typeof v) {
    case 'boolean':
      return fail(`${desc(v)} has no length`);
    case 'number':
      return Math.abs(v);
    case 'string': {
      let n = 0;
      for (let i = 0; i < v.length; i++) {
        const c = v.charCodeAt(i);
        if (c < 0xd800 || c > 0xdbff) n++;
      }
      return n;
    }
  }
  return Array.isArray(v) ? v.length : Object.keys(v).length;
}
fn0('length', length);
fn0('utf8bytelength', (v) => {
  if (typeof v !== 'string') return fail(`${desc(v)} only strings have UTF-8 byte length`);
  return new TextEncoder().encode(v).length;
});
fn0('keys', (v) => {
  if (isObject(v)) return sortedKeys(v);
  if (Array.isArray(v)) return v.map((_x, i) => i);
  return fail(`${desc(v)} has no keys`);
});
fn0('keys_unsorted', (v) => {
  if (isObject(v)) return Object.keys(v);
  if (Array.isArray(v)) return v.map((_x, i) => i);
  return fail(`${desc(v)} has no keys`);
});
fn('has', 1, (v, k) => {
  if (isObject(v) && typeof k === 'string') return getKey(v, k) !== undefined;
  if (Array.isArray(v) && typeof k === 'number') return k >= 0 && k < v.length;
  if (v === null && (typeof k === 'string' || typeof k === 'number')) return false;
  return fail(`Cannot check whether ${typeOf(v)} has a ${typeOf(k)} key`);
});
fn0('type', typeOf);
fn0('tostring', (v) => {
  const s = toText(v);
  checkLength(s.length);
  return s;
});
fn0('tojson', (v) => {
  const s = dump(v);
  checkLength(s.length);
  return s;
});
fn0('fromjson', (v) => {
  if (typeof v !== 'string') return fail(`${desc(v)} cannot be parsed as JSON`);
  return parseJson(v);
});
const NUMBER_RE = /^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
fn0('tonumber', (v) => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (NUMBER_RE.test(v)) return Number(v);
    if (v === 'nan' || v === '-nan') return NaN;
    return fail(`${desc(v)} cannot be parsed as a number`);
  }
  return fail(`${desc(v)} cannot be parsed as a number`);
});
fn0('toboolean', (v) => {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return fail(`${desc(v)} cannot be parsed as a boolean`);
});

native('to_entries', 0, () =>
  fromOne((v) => {
    if (isObject(v)) return Object.keys(v).map((key) => ({ key, value: v[key] as Json }));
    if (Array.isArray(v)) return v.map((value, key) => ({ key, value }));
    return fail(`${desc(v)} has no keys`);
  }),
);

fn0('from_entries', (v) => {
  const out: { [k: string]: Json } = {};
  const add = (e: Json): void => {
    let key: Json;
    let value: Json;
    if (isObject(e)) {
      // jq: `.key // .k // .name // .Name // .K // .Key`, and the key must be a string
      key = null;
      for (const alt of ['key', 'k', 'name', 'Name', 'K', 'Key']) {
        key = getKey(e, alt) ?? null;
        if (truthy(key)) break;
      }
      const val = getKey(e, 'value');
      const v1 = getKey(e, 'v');
      value = val !== undefined ? val : v1 !== undefined ? v1 : (getKey(e, 'Value') ?? null);
    } else if (e === null) {
      key = null;
      value = null;
    } else {
      return fail(`Cannot index ${typeOf(e)} with "key"`);
    }
    if (typeof key !== 'string') return fail(`Cannot use ${desc(key)} as object key`);
    setKey(out, key, value);
  };
  if (Array.isArray(v)) v.forEach(add);
  else if (isObject(v)) Object.keys(v).forEach((key) => add(v[key] as Json));
  else if (v !== null) fail(`Cannot iterate over ${desc(v)}`);
  return out;
});

native('debug', 0, () => fromOne((v) => v));
native('debug', 1, () => fromOne((v) => v));
native('stderr', 0, () => fromOne((v) => v));
fn0('have_decnum', () => false);
fn0('have_literal_numbers', () => true);
fn0('now', () => {
  if (rt.now === undefined) return fail('now is not available: no clock was given to this run');
  return rt.now / 1000;
});
fn0('input_line_number', () => 0);
fn0('abs', (v) => (typeof v === 'number' && v < 0 ? -v : v));
fn0('toarray', (v) => (Array.isArray(v) ? v : [v]));
fn('_strindices', 1, (v, s) => {
  if (typeof v !== 'string' || typeof s !== 'string')
    return fail(
      typeof v !== 'string'
        ? `${desc(v)} cannot be searched, as it is not a string`
        : `${desc(s)} is not a string`,
    );
  return strIndices(v, s);
});
fn0('ascii', (v) => {
  if (typeof v !== 'number') return fail('ascii requires a number');
  return String.fromCodePoint(v);
});
