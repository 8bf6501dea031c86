// jq's math library over IEEE doubles. Non-numbers fail with "X number required".
import type { Json } from '../api.js';
import { desc, fail } from '../values.js';
import { fn, fn0 } from './helpers.js';

function num(v: Json): number {
  if (typeof v !== 'number') return fail(`${desc(v)} number required`);
  return v;
}

function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  let e = Math.ceil(Math.log2(Math.abs(x)));
  let m = x / 2 ** e;
  if (Math.abs(m) >= 1) {
    m /= 2;
    e += 1;
  }
  if (Math.abs(m) < 0.5) {
    m *= 2;
    e -= 1;
  }
  return [m, e];
}

function lgamma(x: number): number {
  // Lanczos approximation
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const g = 7;
  const c = [
    0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531,
    -176.61503916999186, 12.507343278686905, -0.13857109526572012, 9.984369578019572e-6,
    1.5056327351493116e-7,
  ];
  x -= 1;
  let a = c[0] as number;
  const t = x + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += (c[i] as number) / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

function rint(x: number): number {
  // round half to even, as C's rint in the default rounding mode
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  if (Math.abs(x % 1) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

const UNARY: Record<string, (x: number) => number> = {
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfAway,
  rint,
  nearbyint: rint,
  trunc: Math.trunc,
  fabs: Math.abs,
  sqrt: Math.sqrt,
  cbrt: Math.cbrt,
  exp: Math.exp,
  exp2: (x) => 2 ** x,
  exp10: (x) => 10 ** x,
  pow10: (x) => 10 ** x,
  expm1: Math.expm1,
  log: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  log1p: Math.log1p,
  logb: (x) => (x === 0 ? -Infinity : Number.isFinite(x) ? frexp(x)[1] - 1 : Math.abs(x)),
  gamma: lgamma,
  lgamma,
  tgamma: (x) =>
    Number.isInteger(x) && x <= 0
      ? NaN
      : Math.sign(x > 0 ? 1 : Math.sin(Math.PI * x) < 0 ? -1 : 1) * Math.exp(lgamma(x)),
  lgamma_r: lgamma,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  significand: (x) => (x === 0 || !Number.isFinite(x) ? x : frexp(x)[0] * 2),
  j0: (x) => besselJ(0, x),
  j1: (x) => besselJ(1, x),
};

function besselJ(n: number, x: number): number {
  // series expansion; adequate for the small arguments workflows use
  let sum = 0;
  let term = (x / 2) ** n;
  for (let k = 1; k <= n; k++) term /= k;
  for (let m = 0; m < 60; m++) {
    sum += term;
    term *= -(x * x) / 4 / ((m + 1) * (m + 1 + n));
  }
  return sum;
}

for (const [name, f] of Object.entries(UNARY)) fn0(name, (v) => f(num(v)));

const BINARY: Record<string, (a: number, b: number) => number> = {
  pow: (a, b) => a ** b,
  atan2: Math.atan2,
  fmin: (a, b) => (a !== a ? b : b !== b ? a : Math.min(a, b)),
  fmax: (a, b) => (a !== a ? b : b !== b ? a : Math.max(a, b)),
  fmod: (a, b) => a % b,
  hypot: Math.hypot,
  copysign: (a, b) => Math.abs(a) * (b < 0 || Object.is(b, -0) ? -1 : 1),
  drem: (a, b) => a - b * rint(a / b),
  remainder: (a, b) => a - b * rint(a / b),
  nextafter: nextafter,
  nexttoward: nextafter,
  ldexp: (a, b) => a * 2 ** Math.trunc(b),
  scalb: (a, b) => a * 2 ** b,
  scalbln: (a, b) => a * 2 ** Math.trunc(b),
  fdim: (a, b) => (a > b ? a - b : 0),
};

function nextafter(a: number, b: number): number {
  if (a !== a || b !== b) return NaN;
  if (a === b) return b;
  if (a === 0) return b > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, a);
  let bits = buf.getBigInt64(0);
  bits += b > a === a > 0 ? 1n : -1n;
  buf.setBigInt64(0, bits);
  return buf.getFloat64(0);
}

for (const [name, f] of Object.entries(BINARY)) fn(name, 2, (_v, a, b) => f(num(a), num(b)));
fn('fma', 3, (_v, a, b, c) => num(a) * num(b) + num(c));

fn0('frexp', (v) => frexp(num(v)));
fn0('modf', (v) => {
  const x = num(v);
  if (!Number.isFinite(x)) return x !== x ? [NaN, NaN] : [0 * Math.sign(x), x];
  const i = Math.trunc(x);
  return [x - i, i];
});
fn0('infinite', () => Infinity);
fn0('nan', () => NaN);
fn0('isinfinite', (v) => {
  const x = num(v);
  return x === Infinity || x === -Infinity;
});
fn0('isnan', (v) => {
  const x = num(v);
  return x !== x;
});
fn0('isnormal', (v) => {
  const x = num(v);
  return Number.isFinite(x) && x !== 0 && Math.abs(x) >= 2.2250738585072014e-308;
});
