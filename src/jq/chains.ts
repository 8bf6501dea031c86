// Field chains `.a.b.c` from `.`, the most common expression in workflows, as single
// closures. Each name is read at its own site in the source (not through one shared
// helper): V8 keeps an inline cache per site, and closures made from one function
// literal share theirs, so a shared `x[name]` sees every name of every program and goes
// megamorphic, while the first site of a chain mostly sees one or two names. A chain
// always has exactly one output, so there is no NONE check between the steps.
import type { Json } from './api.js';
import { field } from './ops.js';

/**
 * `.name` of x: an own data property of an object, null on null, jq's error otherwise.
 * Inherited names (functions on Object.prototype) read as missing.
 */
export function chainStep(x: Json, name: string): Json {
  if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
    const r: Json | undefined = x[name];
    return r === undefined || typeof r === 'function' ? null : r;
  }
  return x === null ? null : field(x, name);
}

/** The chain's reader: unrolled up to four names, a loop beyond. */
export function fieldChain(names: readonly string[]): (v: Json) => Json {
  const [a = '', b = '', c = '', d = ''] = names;
  switch (names.length) {
    case 1:
      return (v) => {
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
          const r: Json | undefined = v[a];
          return r === undefined || typeof r === 'function' ? null : r;
        }
        return v === null ? null : field(v, a);
      };
    case 2:
      return (v) => {
        let x: Json | undefined = v;
        if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
          x = x[a];
          if (x === undefined || typeof x === 'function') return null;
        } else x = x === null ? null : field(x, a);
        if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
          const r: Json | undefined = x[b];
          return r === undefined || typeof r === 'function' ? null : r;
        }
        return x === null ? null : field(x, b);
      };
    case 3:
      return (v) => {
        let x: Json | undefined = v;
        if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
          x = x[a];
          if (x === undefined || typeof x === 'function') return null;
        } else x = x === null ? null : field(x, a);
        if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
          x = x[b];
          if (x === undefined || typeof x === 'function') return null;
        } else x = x === null ? null : field(x, b);
        if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
          const r: Json | undefined = x[c];
          return r === undefined || typeof r === 'function' ? null : r;
        }
        return x === null ? null : field(x, c);
      };
    case 4:
      return (v) => {
        let x: Json | undefined = v;
        if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
          x = x[a];
          if (x === undefined || typeof x === 'function') return null;
        } else x = x === null ? null : field(x, a);
        if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
          x = x[b];
          if (x === undefined || typeof x === 'function') return null;
        } else x = x === null ? null : field(x, b);
        if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
          x = x[c];
          if (x === undefined || typeof x === 'function') return null;
        } else x = x === null ? null : field(x, c);
        if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
          const r: Json | undefined = x[d];
          return r === undefined || typeof r === 'function' ? null : r;
        }
        return x === null ? null : field(x, d);
      };
    default:
      return (v) => {
        let x = v;
        for (let i = 0; i < names.length; i++) x = chainStep(x, names[i] as string);
        return x;
      };
  }
}
