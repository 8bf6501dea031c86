// Destructuring: `. as [$a, {b: $c}]` and the `?//` alternatives. A bind node lists
// the union of variables of all its patterns; each alternative fills the ones it
// names and leaves the others null, as jq does.
import type { Json } from './api.js';
import type { Pattern } from './ast.js';
import { index } from './ops.js';
import type { Env, F } from './runtime.js';
import { desc, fail, isObject, typeOf } from './values.js';

export type CPattern =
  | { kind: 'var'; slot: number }
  | { kind: 'array'; items: CPattern[] }
  | { kind: 'object'; entries: { key: F; keySlot?: number; value?: CPattern }[] };

export function patternVars(p: Pattern, out: string[]): string[] {
  if (p.kind === 'var') {
    if (!out.includes(p.name)) out.push(p.name);
  } else if (p.kind === 'array') {
    for (const it of p.items) patternVars(it, out);
  } else {
    for (const e of p.entries) {
      if (e.keyVar !== undefined && !out.includes(e.keyVar)) out.push(e.keyVar);
      if (e.value) patternVars(e.value, out);
    }
  }
  return out;
}

/** Calls `k` once per way of destructuring `v` (object keys may have several outputs). */
export function destructure(
  p: CPattern,
  v: Json,
  vals: Json[],
  input: Json,
  env: Env,
  k: (vals: Json[]) => void,
): void {
  switch (p.kind) {
    case 'var':
      vals[p.slot] = v;
      k(vals);
      return;
    case 'array': {
      if (v !== null && !Array.isArray(v)) fail(`Cannot index ${typeOf(v)} with number`);
      const go = (i: number, cur: Json[]): void => {
        if (i === p.items.length) return k(cur);
        destructure(p.items[i] as CPattern, index(v, i), cur, input, env, (next) =>
          go(i + 1, next),
        );
      };
      go(0, vals);
      return;
    }
    case 'object': {
      const go = (i: number, cur: Json[]): void => {
        if (i === p.entries.length) return k(cur);
        const e = p.entries[i] as { key: F; keySlot?: number; value?: CPattern };
        e.key.gen(input, null, env, (key) => {
          if (typeof key !== 'string') fail(`Cannot index ${typeOf(v)} with ${desc(key)}`);
          if (v !== null && !isObject(v)) fail(`Cannot index ${typeOf(v)} with ${desc(key)}`);
          const sub = index(v, key);
          const next = cur.slice();
          if (e.keySlot !== undefined) next[e.keySlot] = sub;
          if (e.value) destructure(e.value, sub, next, input, env, (n2) => go(i + 1, n2));
          else go(i + 1, next);
        });
      };
      go(0, vals);
    }
  }
}

/** Push the bound values onto the environment, in the order the compiler scoped them. */
export function pushVars(env: Env, vals: Json[]): Env {
  let e = env;
  for (const x of vals) e = { v: x, n: e };
  return e;
}
