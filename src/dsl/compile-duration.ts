// Durations, normalized to milliseconds at compile time when they are literal:
// `{days, hours, minutes, seconds, milliseconds}`, ISO 8601 (`PT1M30S`, `P1DT2H`,
// `P2W`; years and months have no fixed length and are rejected), or an expression
// (then evaluated by the interpreter with durationToMs below).

import type { Json } from '../jq/api.js';
import type { DurationIR } from './ir.js';
import type { ExprContext } from './compile-expr.js';
import { compileExpr, unwrap } from './compile-expr.js';

const ISO =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

const UNIT_MS = {
  days: 86_400_000,
  hours: 3_600_000,
  minutes: 60_000,
  seconds: 1000,
  milliseconds: 1,
};

/** Milliseconds of a duration value, or a message saying why it is not one. Shared by
 *  the compiler (literals) and the interpreter (expression results). */
export function durationToMs(value: Json | undefined): number | string {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? value : `invalid duration ${value}`;
  }
  if (typeof value === 'string') {
    const m = ISO.exec(value.trim());
    if (!m || value.trim() === 'P' || /T$/i.test(value.trim())) {
      return `'${value}' is not an ISO 8601 duration like PT1M30S (years and months are not supported)`;
    }
    const [, w, d, h, min, s] = m.map((x) => (x === undefined ? 0 : Number(x)));
    return Math.round(
      (w ?? 0) * 7 * UNIT_MS.days +
        (d ?? 0) * UNIT_MS.days +
        (h ?? 0) * UNIT_MS.hours +
        (min ?? 0) * UNIT_MS.minutes +
        (s ?? 0) * UNIT_MS.seconds,
    );
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    let total = 0;
    for (const [unit, amount] of Object.entries(value)) {
      const factor = UNIT_MS[unit as keyof typeof UNIT_MS];
      if (factor === undefined) return `unknown duration unit '${unit}'`;
      if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
        return `duration '${unit}' must be a non-negative number`;
      }
      total += amount * factor;
    }
    return Math.round(total);
  }
  return `invalid duration ${JSON.stringify(value)}`;
}

export function compileDuration(
  cx: ExprContext,
  value: unknown,
  variables: readonly string[],
  path: string,
): DurationIR | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const text = unwrap(value);
    if (text !== undefined) return { expr: compileExpr(cx, text, variables, path) };
  }
  const ms = durationToMs(value as Json);
  if (typeof ms === 'string') {
    cx.diagnostics.push({ path, message: ms });
    return { ms: 0 };
  }
  return { ms };
}
