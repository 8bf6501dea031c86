// jq's regular expressions (Oniguruma, Perl_NT syntax) on JavaScript RegExp, as plain
// functions over JSON values. The Oniguruma pattern is translated to a `u`-mode RegExp
// (see translate() in this file); offsets and lengths are counted in codepoints, as jq
// counts them.
//
// Contract (every function throws JqError with jq's message on bad input: a non-string
// input "X cannot be matched, as it is not a string", a bad flag "F is not a valid
// modifier string", a bad pattern "RE (at offset 0) is not a valid regex: ..."):
// - match(input, re, flags, testOnly): jq's `_match_impl`: the array of match objects
//   {offset, length, string, captures: [{offset, length, string, name}]} (all matches
//   with flag g, else at most one), or a boolean when testOnly. flags is a string or null.
// - test, matches (= `match` outputs), capture, scan, split/splits: the jq builtins of
//   those names; each returns the builtin's outputs as an array (capture/scan/splits)
//   or its one value (test, split).
// - sub(input, re, replace, flags): `sub`/`gsub` (gsub = flags + "g"). `replace` is
//   the replacement filter: called with the capture object of each match (named
//   captures -> strings), it returns that filter's outputs. The result is the array of
//   sub's outputs, combined as jq 1.7+ does (the i-th output of the replacement builds
//   the i-th result string).
// - regexArgs(val): the one-argument forms `test(val)`: val a string or [re, flags].
// - A sandbox cap: match/capture/scan stop with a 'limit' JqError past
//   MAX_MATCH_OBJECTS matches, sub/gsub/split past MAX_MATCHES.
//
// Flags: g global, i ignore case, x extended (whitespace and #comments dropped), n
// ignore empty matches, s single line (jq's default already: ^ is the start of the
// string, $ its end or before a final newline), p = s plus `.` matching newline.
// Approximations (documented, since RegExp is not Oniguruma): l (longest match) is
// ignored; possessive quantifiers and atomic groups (?>...) behave as ordinary greedy
// ones; inline options (?i) / (?i:...) apply to the whole pattern; \W inside a class
// and \b/\B use Unicode letters, marks, digits and connector punctuation as word
// characters; under i, \p{Lu}, [[:upper:]] and [[:lower:]] also match the other case
// (RegExp folds case inside property classes, Oniguruma does not). An optional group (X)? is rewritten as (?:(X)|) so that, as in
// Oniguruma, it may capture the empty string.
import { JqError } from '../api.js';
import type { Json } from '../api.js';
import { describeValue } from './formats.js';

interface Compiled {
  regexp: RegExp;
  /** The same pattern without indices or lastIndex state, for test(). */
  tester: RegExp;
  /** names[i] is the name of capture group i+1, or null. */
  names: (string | null)[];
  global: boolean;
  skipEmpty: boolean;
}

interface RawMatch {
  /** UTF-16 start and end of the match and of each group (undefined: group did not take part). */
  start: number;
  end: number;
  groups: ([number, number] | undefined)[];
}

const VALID_FLAGS = 'gixnspl';
const WORD = '\\p{L}\\p{M}\\p{Nd}\\p{Pc}';
const POSIX: Record<string, string> = {
  alpha: '\\p{Alphabetic}',
  digit: '\\p{Nd}',
  alnum: '\\p{Alphabetic}\\p{Nd}',
  upper: '\\p{Uppercase}',
  lower: '\\p{Lowercase}',
  space: '\\s',
  blank: '\\t\\p{Zs}',
  punct: '\\p{P}',
  cntrl: '\\p{Cc}',
  xdigit: '0-9A-Fa-f',
  word: WORD,
  print: '\\P{C}',
  graph: '\\p{L}\\p{M}\\p{N}\\p{P}\\p{S}',
  ascii: '\\x00-\\x7f',
};
const SYNTAX = '^$\\.*+?()[]{}|/';

/** Oniguruma pattern -> JavaScript `u`-mode source, capture names, extra flags. */
function translate(re: string, extended: boolean, dotAll: boolean) {
  const names: (string | null)[] = [];
  let ignoreCase = false;
  let out = '';
  const groupStarts: number[] = [];
  // Per open group: does its body hold an unbounded quantifier? An unbounded
  // quantifier on such a group ((a+)+, (\w*\s?)*) can backtrack exponentially, and a
  // RegExp cannot be interrupted, so weft refuses it (Oniguruma would stop after its
  // retry limit instead).
  const groupUnbounded: boolean[] = [];
  const markUnbounded = () => groupUnbounded.fill(true);
  let i = 0;
  const n = re.length;
  const escape = (c: string, inClass: boolean): string => {
    switch (c) {
      case 'd':
        return '\\p{Nd}';
      case 'D':
        return '\\P{Nd}';
      case 'w':
        return inClass ? WORD : `[${WORD}]`;
      case 'W':
        return inClass ? '\\W' : `[^${WORD}]`;
      case 'h':
        return inClass ? '\\t\\p{Zs}' : '[\\t\\p{Zs}]';
      case 'H':
        return inClass ? '' : '[^\\t\\p{Zs}]';
      case 'b':
        return inClass ? '\\b' : `(?:(?<=[${WORD}])(?![${WORD}])|(?<![${WORD}])(?=[${WORD}]))`;
      case 'B':
        return inClass ? 'B' : `(?:(?<=[${WORD}])(?=[${WORD}])|(?<![${WORD}])(?![${WORD}]))`;
      case 'A':
        return '(?<![\\s\\S])';
      case 'z':
        return '(?![\\s\\S])';
      case 'Z':
        return '(?=\\n?(?![\\s\\S]))';
      case 'e':
        return '\\x1b';
      case 'a':
        return '\\x07';
      case 's':
      case 'S':
      case 'n':
      case 't':
      case 'r':
      case 'f':
      case 'v':
      case '0':
        return '\\' + c;
      default:
        if (/[1-9]/.test(c) && !inClass) {
          let digits = c;
          while (i < n && /[0-9]/.test(re[i]!)) digits += re[i++];
          return '\\' + digits + '(?:)';
        }
        if (SYNTAX.includes(c) || (inClass && c === '-')) return '\\' + c;
        return '\\u{' + c.codePointAt(0)!.toString(16) + '}';
    }
  };
  const readEscape = (inClass: boolean): string => {
    const c = re[i++];
    if (c === undefined) throw new Error('end pattern at escape');
    if (c === 'x' && re[i] === '{') {
      const close = re.indexOf('}', i);
      const hex = re.slice(i + 1, close);
      i = close + 1;
      return '\\u{' + hex + '}';
    }
    if (c === 'x' || c === 'u' || c === 'c') {
      const len = c === 'x' ? 2 : c === 'u' ? 4 : 1;
      const body = re.slice(i, i + len);
      i += len;
      return '\\' + c + body;
    }
    if ((c === 'p' || c === 'P') && re[i] === '{') {
      const close = re.indexOf('}', i);
      let body = re.slice(i + 1, close);
      i = close + 1;
      let neg = c === 'P';
      if (body.startsWith('^')) {
        neg = !neg;
        body = body.slice(1);
      }
      return (neg ? '\\P{' : '\\p{') + body + '}';
    }
    if (c === 'k' && re[i] === '<') {
      const close = re.indexOf('>', i);
      const name = re.slice(i + 1, close);
      i = close + 1;
      const idx = names.lastIndexOf(name);
      if (/^\d+$/.test(name)) return '\\' + name + '(?:)';
      if (idx < 0) throw new Error(`undefined name <${name}> reference`);
      return '\\' + (idx + 1) + '(?:)';
    }
    return escape(c, inClass);
  };
  const readClass = (): string => {
    // at '[' already consumed
    let cls = '[';
    if (re[i] === '^') {
      cls += '^';
      i++;
    }
    if (re[i] === ']') {
      cls += '\\]';
      i++;
    }
    while (i < n && re[i] !== ']') {
      const c = re[i++]!;
      if (c === '\\') cls += readEscape(true);
      else if (c === '[') {
        const m = /^:(\^?)([a-z]+):\]/.exec(re.slice(i));
        if (m && POSIX[m[2]!] !== undefined) {
          i += m[0].length;
          const body = POSIX[m[2]!]!;
          cls += m[1] ? (body.startsWith('\\p') ? body.replace(/\\p/g, '\\P') : body) : body;
        } else cls += '\\[';
      } else if (c === '&' && re[i] === '&') {
        throw new Error('character class intersection is not supported');
      } else cls += c;
    }
    if (i >= n) throw new Error('premature end of char-class');
    i++;
    return cls + ']';
  };
  while (i < n) {
    const c = re[i++]!;
    if (extended && /\s/.test(c)) continue;
    if (extended && c === '#') {
      while (i < n && re[i] !== '\n') i++;
      continue;
    }
    switch (c) {
      case '\\':
        out += readEscape(false);
        break;
      case '[':
        out += readClass();
        break;
      case '.':
        out += dotAll ? '[\\s\\S]' : '[^\\n]';
        break;
      case '$':
        out += '(?=\\n?(?![\\s\\S]))';
        break;
      case ')': {
        const start = groupStarts.pop();
        const nested = groupUnbounded.pop();
        out += ')';
        if (nested && /^(?:[*+]|\{\d*,\})/.test(re.slice(i))) {
          throw new JqError(
            `${re} (at offset 0) is not a valid regex: nested unbounded quantifiers are refused by weft's sandbox (catastrophic backtracking)`,
            undefined,
            'limit',
          );
        }
        if (start !== undefined && re[i] === '?') {
          // Oniguruma lets an optional group match the empty string and keeps that
          // capture; a RegExp quantifier refuses an empty iteration. An alternation
          // has no such rule, so (X)? becomes (?:(X)|) and (X)?? becomes (?:|(X)).
          const group = out.slice(start);
          i++;
          if (re[i] === '?') {
            i++;
            out = out.slice(0, start) + '(?:|' + group + ')';
          } else {
            if (re[i] === '+') i++; // possessive: treated as greedy
            out = out.slice(0, start) + '(?:' + group + '|)';
          }
        }
        break;
      }
      case '(': {
        if (!(
          re[i] === '?' &&
          (re[i + 1] === '#' || /^\?[imx]*(?:-[imx]*)?\)/.test(re.slice(i)))
        )) {
          groupStarts.push(out.length);
          groupUnbounded.push(false);
        }
        if (re[i] !== '?') {
          names.push(null);
          out += '(';
          break;
        }
        const rest = re.slice(i + 1);
        const named = /^(?:<([A-Za-z_][A-Za-z0-9_]*)>|'([A-Za-z_][A-Za-z0-9_]*)')/.exec(rest);
        if (named) {
          names.push(named[1] ?? named[2]!);
          i += 1 + named[0].length;
          out += '(';
        } else if (rest.startsWith('#')) {
          const close = re.indexOf(')', i);
          if (close < 0) throw new Error('end pattern in group');
          i = close + 1;
        } else if (rest.startsWith('>')) {
          i += 2;
          out += '(?:';
        } else {
          const opts = /^([imx]*)(?:-([imx]*))?([:)])/.exec(rest);
          if (opts && (opts[1] || opts[2] !== undefined)) {
            if (opts[1]!.includes('i')) ignoreCase = true;
            i += 1 + opts[0].length;
            if (opts[3] === ':') out += '(?:';
          } else {
            out += '(?';
            i++;
          }
        }
        break;
      }
      case '{': {
        const q = /^(\d+)(,\d*)?\}|^,(\d+)\}/.exec(re.slice(i));
        if (q && out !== '' && !out.endsWith('(') && !out.endsWith('|')) {
          out += q[3] !== undefined ? `{0,${q[3]}}` : '{' + q[0];
          if (q[2] === ',') markUnbounded();
          i += q[0].length;
          if (re[i] === '+') i++; // possessive: treated as greedy
        } else out += '\\{';
        break;
      }
      case '}':
      case ']':
        out += '\\' + c;
        break;
      case '*':
      case '+':
      case '?':
        out += c;
        if (c !== '?') markUnbounded();
        if (re[i] === '+') i++; // possessive: treated as greedy
        break;
      default:
        out += c;
    }
  }
  return { source: out, names, ignoreCase };
}

const cache = new Map<string, Compiled>();

function compile(re: string, flags: string): Compiled {
  const key = flags + '\u0000' + re;
  const hit = cache.get(key);
  if (hit) return hit;
  for (const f of flags) {
    if (!VALID_FLAGS.includes(f)) throw new JqError(`${flags} is not a valid modifier string`);
  }
  let compiled: Compiled;
  try {
    const t = translate(re, flags.includes('x'), flags.includes('p'));
    const jsFlags = 'gdu' + (flags.includes('i') || t.ignoreCase ? 'i' : '');
    compiled = {
      regexp: new RegExp(t.source, jsFlags),
      tester: new RegExp(t.source, jsFlags.replace(/[gd]/g, '')),
      names: t.names,
      global: flags.includes('g'),
      skipEmpty: flags.includes('n'),
    };
  } catch (e) {
    if (e instanceof JqError) throw e;
    const why =
      e instanceof Error
        ? e.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '')
        : '';
    throw new JqError(`${re} (at offset 0) is not a valid regex: ${why}`);
  }
  if (cache.size > 500) cache.clear();
  cache.set(key, compiled);
  return compiled;
}

function checkArgs(input: Json, re: Json, flags: Json): [string, string, string] {
  if (typeof input !== 'string') {
    throw new JqError(`${describeValue(input)} cannot be matched, as it is not a string`);
  }
  if (typeof re !== 'string') {
    throw new JqError(`${describeValue(re)} cannot be matched, as it is not a string`);
  }
  if (flags !== null && typeof flags !== 'string') {
    throw new JqError(`${describeValue(flags)} is not a string`);
  }
  return [input, re, flags ?? ''];
}

/**
 * The most matches one call may collect: a jq step is not spent per match, so without a
 * cap `"x" * 5000000 | [match(".";"g")]` builds 5 million objects (1.3 GB measured).
 * Match objects cost far more than the plain offsets sub/split keep.
 */
export const MAX_MATCH_OBJECTS = 100_000;
export const MAX_MATCHES = 1_000_000;

function execAll(c: Compiled, s: string, firstOnly: boolean, max = MAX_MATCHES): RawMatch[] {
  const out: RawMatch[] = [];
  const rx = c.regexp;
  let at = 0;
  while (at <= s.length) {
    rx.lastIndex = at;
    const m = rx.exec(s);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    if (end === start) {
      const cp = s.codePointAt(start);
      at = start + (cp !== undefined && cp > 0xffff ? 2 : 1);
    } else at = end;
    if (c.skipEmpty && end === start) continue;
    const groups = (m.indices ?? []).slice(1) as ([number, number] | undefined)[];
    if (out.length >= max) {
      const msg = `jq sandbox limit exceeded: a regex matched more than ${max} times`;
      throw new JqError(msg, msg, 'limit');
    }
    out.push({ start, end, groups });
    if (firstOnly || !c.global) break;
  }
  return out;
}

/** UTF-16 index -> codepoint index, cheap when the string has no surrogate pairs. */
function codepointCounter(s: string): (i: number) => number {
  if (!/[\ud800-\udfff]/.test(s)) return (i) => i;
  return (i) => {
    let n = 0;
    for (let k = 0; k < i; k++) {
      const c = s.charCodeAt(k);
      if (c < 0xdc00 || c > 0xdfff || k === 0) n++;
      else {
        const p = s.charCodeAt(k - 1);
        if (p < 0xd800 || p > 0xdbff) n++;
      }
    }
    return n;
  };
}

function toObject(c: Compiled, s: string, m: RawMatch, cp: (i: number) => number): Json {
  const captures: Json[] = c.names.map((name, idx) => {
    const g = m.groups[idx];
    if (!g) return { offset: -1, string: null, length: 0, name };
    const off = cp(g[0]);
    return { offset: off, length: cp(g[1]) - off, string: s.slice(g[0], g[1]), name };
  });
  const off = cp(m.start);
  return { offset: off, length: cp(m.end) - off, string: s.slice(m.start, m.end), captures };
}

export function match(input: Json, re: Json, flags: Json, testOnly: boolean): Json[] | boolean {
  const [s, r, f] = checkArgs(input, re, flags);
  const c = compile(r, f);
  if (testOnly) return c.skipEmpty ? execAll(c, s, true).length > 0 : c.tester.test(s);
  const cp = codepointCounter(s);
  return execAll(c, s, false, MAX_MATCH_OBJECTS).map((m) => toObject(c, s, m, cp));
}

export function matches(input: Json, re: Json, flags: Json = null): Json[] {
  return match(input, re, flags, false) as Json[];
}

export function test(input: Json, re: Json, flags: Json = null): boolean {
  return match(input, re, flags, true) as boolean;
}

function captureObject(c: Compiled, s: string, m: RawMatch): { [key: string]: Json } {
  const obj: { [key: string]: Json } = {};
  c.names.forEach((name, idx) => {
    if (name === null) return;
    const g = m.groups[idx];
    Object.defineProperty(obj, name, {
      value: g ? s.slice(g[0], g[1]) : null,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  });
  return obj;
}

export function capture(input: Json, re: Json, flags: Json = null): Json[] {
  const [s, r, f] = checkArgs(input, re, flags);
  const c = compile(r, f);
  return execAll(c, s, false, MAX_MATCH_OBJECTS).map((m) => captureObject(c, s, m));
}

function withG(flags: Json): string {
  if (flags === null) return 'g';
  if (typeof flags !== 'string') {
    throw new JqError(`string ("g") and ${describeValue(flags)} cannot be added`);
  }
  return 'g' + flags;
}

export function scan(input: Json, re: Json, flags: Json = null): Json[] {
  const [s, r] = checkArgs(input, re, null);
  const c = compile(r, withG(flags));
  return execAll(c, s, false, MAX_MATCH_OBJECTS).map((m) =>
    c.names.length > 0
      ? m.groups.map((g) => (g ? s.slice(g[0], g[1]) : null))
      : s.slice(m.start, m.end),
  );
}

/** jq's `split($re; flags)`: the pieces between matches (flags gain "g"). */
export function split(input: Json, re: Json, flags: Json = null): string[] {
  const [s, r] = checkArgs(input, re, null);
  const c = compile(r, withG(flags));
  const out: string[] = [];
  let prev = 0;
  for (const m of execAll(c, s, false)) {
    out.push(s.slice(prev, m.start));
    prev = m.end;
  }
  out.push(s.slice(prev));
  return out;
}

export const splits = split;

function addStrings(a: Json, b: Json): Json {
  if (a === null) return b;
  if (b === null) return a;
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  throw new JqError(`${describeValue(a)} and ${describeValue(b)} cannot be added`);
}

export function sub(
  input: Json,
  re: Json,
  replace: (captures: Json) => Json[],
  flags: Json = null,
): Json[] {
  const [s, r, f] = checkArgs(input, re, flags);
  const c = compile(r, f);
  const results: Json[] = [];
  let prev = 0;
  for (const m of execAll(c, s, false)) {
    const gap = s.slice(prev, m.start);
    const inserts = replace(captureObject(c, s, m));
    inserts.forEach((ins, ix) => {
      results[ix] = addStrings(results[ix] ?? null, addStrings(gap, ins));
    });
    prev = m.end;
  }
  if (results.length === 0) return [s];
  const tail = s.slice(prev);
  return results.map((x) => addStrings(x, tail));
}

export function gsub(
  input: Json,
  re: Json,
  replace: (captures: Json) => Json[],
  flags: Json = null,
): Json[] {
  return sub(input, re, replace, withG(flags));
}

/** The one-argument forms (`test(val)`, `match(val)`, `capture(val)`): [re, flags]. */
export function regexArgs(val: Json): [Json, Json] {
  if (typeof val === 'string') return [val, null];
  if (Array.isArray(val) && val.length > 1) return [val[0]!, val[1]!];
  if (Array.isArray(val) && val.length > 0) return [val[0]!, null];
  const t = val === null ? 'null' : Array.isArray(val) ? 'array' : typeof val;
  throw new JqError(`${t} not a string or array`);
}
