// Helpers to declare natives. `fn` declares a builtin whose arguments are values
// (jq's "cfunctions"): every combination of argument outputs is tried, the last
// argument varying slowest, as jq does (`[pow(2,3; 1,2)]` is [2,3,4,9]).
import type { Json } from '../api.js';
import { native } from '../registry.js';
import type { F } from '../runtime.js';
import { NONE, emitValue, fromOne } from '../runtime.js';

export { native };

export function fn0(name: string, impl: (v: Json) => Json): void {
  const f = fromOne((v) => impl(v));
  native(name, 0, () => f);
}

export function fn(name: string, arity: number, impl: (v: Json, ...args: Json[]) => Json): void {
  native(name, arity, (args: F[]) => {
    if (args.every((a) => a.one)) {
      const ones = args.map((a) => a.one!);
      if (arity === 1) {
        const a0 = ones[0]!;
        return fromOne((v, env) => {
          const x = a0(v, env);
          return x === NONE ? NONE : impl(v, x);
        });
      }
      // the last argument is jq's outer loop, so it is evaluated first
      return fromOne((v, env) => {
        const xs: Json[] = new Array<Json>(arity);
        for (let i = arity - 1; i >= 0; i--) {
          const x = (ones[i] as NonNullable<F['one']>)(v, env);
          if (x === NONE) return NONE;
          xs[i] = x;
        }
        return impl(v, ...xs);
      });
    }
    return {
      gen: (v, p, env, k) => {
        const xs: Json[] = new Array<Json>(arity);
        const go = (i: number): void => {
          if (i < 0) {
            emitValue(impl(v, ...xs), p, k);
            return;
          }
          (args[i] as F).gen(v, null, env, (x) => {
            xs[i] = x;
            go(i - 1);
          });
        };
        go(arity - 1);
      },
    };
  });
}

/** A native that returns several outputs (as an array) for value arguments. */
export function fnMany(
  name: string,
  arity: number,
  impl: (v: Json, ...args: Json[]) => Json[],
): void {
  native(name, arity, (args: F[]) => ({
    gen: (v, p, env, k) => {
      const xs: Json[] = new Array<Json>(arity);
      const go = (i: number): void => {
        if (i < 0) {
          for (const r of impl(v, ...xs)) emitValue(r, p, k);
          return;
        }
        (args[i] as F).gen(v, null, env, (x) => {
          xs[i] = x;
          go(i - 1);
        });
      };
      go(arity - 1);
    },
  }));
}
