// The table of builtins written in TypeScript ("natives"), keyed `name/arity`. A
// native is a factory: it receives its compiled arguments (filters that run in the
// caller's environment) and returns a filter, so it can offer a `one` fast path when
// its arguments do.
import type { F } from './runtime.js';

export type Native = (args: F[]) => F;

export const NATIVES = new Map<string, Native>();

export function native(name: string, arity: number, factory: Native): void {
  NATIVES.set(`${name}/${arity}`, factory);
}
