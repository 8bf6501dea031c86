// String natives, and the regex builtins wired to regex.ts.
import type { Json } from '../api.js';
import type { F } from '../runtime.js';
import { checkLength, collect, emitValue } from '../runtime.js';
import { splitString } from '../ops.js';
import { fail } from '../values.js';
import { fn, fn0, fnMany, native } from './helpers.js';
import * as re from './regex.js';

fn('split', 1, (v, sep) => {
  if (typeof v !== 'string' || typeof sep !== 'string')
    return fail('split input and separator must be strings');
  return splitString(v, sep);
});

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

fn0('ascii_downcase', (v) => {
  if (typeof v !== 'string') return fail('ascii_downcase input must be a string');
  // toLowerCase would also change non-ASCII letters: only use it on ASCII text
  return ASCII.test(v) ? v.toLowerCase() : v.replace(/[A-Z]+/g, (c) => c.toLowerCase());
});
fn0('ascii_upcase', (v) => {
  if (typeof v !== 'string') return fail('ascii_upcase input must be a string');
  return ASCII.test(v) ? v.toUpperCase() : v.replace(/[a-z]+/g, (c) => c.toUpperCase());
});

function startswith(v: Json, s: Json): boolean {
  if (typeof v !== 'string' || typeof s !== 'string')
    return fail('startswith() requires string inputs');
  return v.startsWith(s);
}
function endswith(v: Json, s: Json): boolean {
  if (typeof v !== 'string' || typeof s !== 'string')
    return fail('endswith() requires string inputs');
  return v.endsWith(s);
}
fn('startswith', 1, startswith);
fn('endswith', 1, endswith);
const ltrimstr = (v: Json, s: Json): Json =>
  startswith(v, s) ? (v as string).slice((s as string).length) : v;
const rtrimstr = (v: Json, s: Json): Json =>
  endswith(v, s) && (s as string).length > 0
    ? (v as string).slice(0, (v as string).length - (s as string).length)
    : v;
fn('ltrimstr', 1, ltrimstr);
fn('rtrimstr', 1, rtrimstr);
fn('trimstr', 1, (v, s) => rtrimstr(ltrimstr(v, s), s));

// Unicode White_Space, as jq 1.8's trim
const WS =
  ' \t\n\r\f\v\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
function trimmer(name: string, left: boolean, right: boolean): void {
  fn0(name, (v) => {
    if (typeof v !== 'string') return fail('trim input must be a string');
    let s = 0;
    let e = v.length;
    if (left) while (s < e && WS.includes(v[s] as string)) s++;
    if (right) while (e > s && WS.includes(v[e - 1] as string)) e--;
    return v.slice(s, e);
  });
}
trimmer('trim', true, true);
trimmer('ltrim', true, false);
trimmer('rtrim', false, true);

// --- regex (regex.ts does the matching; these are jq's builtin shapes) ---
fn('_match_impl', 3, (v, r, flags, testOnly) => re.match(v, r, flags, testOnly === true) as Json);
fn('test', 1, (v, val) => re.test(v, ...re.regexArgs(val)));
fn('test', 2, (v, r, flags) => re.test(v, r, flags));
fnMany('match', 1, (v, val) => re.matches(v, ...re.regexArgs(val)));
fnMany('match', 2, (v, r, flags) => re.matches(v, r, flags));
fnMany('capture', 1, (v, val) => re.capture(v, ...re.regexArgs(val)));
fnMany('capture', 2, (v, r, flags) => re.capture(v, r, flags));
fnMany('scan', 1, (v, r) => re.scan(v, r, null));
fnMany('scan', 2, (v, r, flags) => re.scan(v, r, flags));
fn('split', 2, (v, r, flags) => re.split(v, r, flags));
fnMany('splits', 1, (v, r) => re.split(v, r, null));
fnMany('splits', 2, (v, r, flags) => re.split(v, r, flags));

function subNative(name: string, arity: number, global: boolean): void {
  native(name, arity, (args: F[]) => ({
    gen: (v, p, env, k) => {
      const [reF, replF, flagsF] = args as [F, F, F | undefined];
      const withFlags = (r: Json, flags: Json): void => {
        const replace = (captures: Json): Json[] => collect(replF, captures, env);
        const outs = global ? re.gsub(v, r, replace, flags) : re.sub(v, r, replace, flags);
        for (const o of outs) {
          if (typeof o === 'string') checkLength(o.length);
          emitValue(o, p, k);
        }
      };
      reF.gen(v, null, env, (r) => {
        if (flagsF) flagsF.gen(v, null, env, (fl) => withFlags(r, fl));
        else withFlags(r, null);
      });
    },
  }));
}
subNative('sub', 2, false);
subNative('sub', 3, false);
subNative('gsub', 2, true);
subNative('gsub', 3, true);
