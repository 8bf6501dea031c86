// Assignment operators, as jq 1.7 defines them over paths:
//   lhs = rhs     for each $v of rhs (run on .): set every path of lhs to $v
//   lhs |= f      each path's value replaced by the first output of f; paths where f
//                 is empty are deleted, all at the end (jq 1.7's _modify)
//   lhs op= rhs   for each $x of rhs (run on .): lhs |= . op $x   (op: + - * / % //)
import type { Json } from './api.js';
import { BINOPS } from './ops.js';
import { delpaths, getpath, setpath } from './paths.js';
import type { Env, F } from './runtime.js';
import { NONE, ROOT, emitValue, firstOf, fromOne, realPath } from './runtime.js';
import { truthy } from './values.js';

export function pathsOf(lhs: F, v: Json, env: Env): Json[][] {
  const out: Json[][] = [];
  lhs.gen(v, ROOT, env, (x, q) => out.push(realPath(q, x)));
  return out;
}

function modify(lhs: F, v: Json, env: Env, update: (old: Json) => Json | typeof NONE): Json {
  let r = v;
  const dels: Json[][] = [];
  for (const path of pathsOf(lhs, v, env)) {
    const nv = update(getpath(r, path));
    if (nv === NONE) dels.push(path);
    else r = setpath(r, path, nv);
  }
  return dels.length ? delpaths(r, dels) : r;
}

export function assignF(op: string, lhs: F, rhs: F): F {
  if (op === '|=') return fromOne((v, env) => modify(lhs, v, env, (old) => firstOf(rhs, old, env)));
  if (op === '=') {
    return {
      gen: (v, p, env, k) =>
        rhs.gen(v, null, env, (val) => {
          let r = v;
          for (const path of pathsOf(lhs, v, env)) r = setpath(r, path, val);
          emitValue(r, p, k);
        }),
    };
  }
  const base = op.slice(0, -1);
  const fn =
    base === '//'
      ? (a: Json, b: Json): Json => (truthy(a) ? a : b)
      : (BINOPS[base] as (a: Json, b: Json) => Json);
  const ro = rhs.one;
  if (ro) {
    return fromOne((v, env) => {
      const x = ro(v, env);
      return x === NONE ? NONE : modify(lhs, v, env, (old) => fn(old, x));
    });
  }
  return {
    gen: (v, p, env, k) =>
      rhs.gen(v, null, env, (x) =>
        emitValue(
          modify(lhs, v, env, (old) => fn(old, x)),
          p,
          k,
        ),
      ),
  };
}
