// Walking the runtime environment (a linked list) by a depth the compiler computed.
import type { Env } from './runtime.js';

export function envAt(env: Env, d: number): NonNullable<Env> {
  let e = env as NonNullable<Env>;
  for (let i = 0; i < d; i++) e = e.n as NonNullable<Env>;
  return e;
}

export function lookup(env: Env, d: number): unknown {
  switch (d) {
    case 0:
      return (env as NonNullable<Env>).v;
    case 1:
      return (env as NonNullable<Env>).n!.v;
    case 2:
      return (env as NonNullable<Env>).n!.n!.v;
    default:
      return envAt(env, d).v;
  }
}
