// `fromjson`: a JSON parser with jq's extensions and messages. Iterative (a stack of
// open containers), so jq's depth limit applies (10,000 levels), not the JS stack's.
// jq accepts nan / NaN / -NaN / infinity as numbers; other literal errors read like
// jq's: "Invalid numeric literal at EOF at line 1, column 4 (while parsing 'NaN1')".
import type { Json } from './api.js';
import { JqError } from './api.js';
import { checkLength, step } from './budget.js';
import type { JsonObject } from './values.js';
import { setKey } from './values.js';

const MAX_PARSE_DEPTH = 10000;
const NUMBER = /^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const SPECIAL = /^[+-]?(?:nan|infinity|inf)$/i;

interface Open {
  arr: Json[] | null;
  obj: JsonObject | null;
  key: string | null;
  /** what the next token may be: a value, a ',' or the closing bracket, or (objects) ':' */
  want: 'value' | 'sep' | 'colon' | 'key';
}

export function parseJson(text: string): Json {
  let i = 0;
  const n = text.length;
  checkLength(n);
  const fail = (msg: string, atEof = false): never => {
    let line = 1;
    let lineStart = 0;
    for (let j = 0; j < i && j < n; j++)
      if (text[j] === '\n') {
        line++;
        lineStart = j + 1;
      }
    const col = i - lineStart + (atEof ? 0 : 1);
    throw new JqError(
      `${msg}${atEof ? ' at EOF' : ''} at line ${line}, column ${col} (while parsing '${text}')`,
    );
  };
  const stack: Open[] = [];
  let result: Json | undefined;

  const put = (v: Json): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) {
      if (result !== undefined) fail('Unexpected extra JSON values');
      result = v;
      return;
    }
    if (top.want === 'key') {
      if (typeof v !== 'string') fail('Object keys must be strings');
      top.key = v as string;
      top.want = 'colon';
      return;
    }
    if (top.want !== 'value') fail('Expected separator between values');
    if (top.arr) top.arr.push(v);
    else setKey(top.obj as JsonObject, top.key as string, v);
    top.want = 'sep';
  };

  while (i < n) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    step();
    const top = stack[stack.length - 1];
    if (c === '[' || c === '{') {
      if (top && top.want !== 'value') fail('Expected separator between values');
      if (result !== undefined && !top) fail('Unexpected extra JSON values');
      if (stack.length >= MAX_PARSE_DEPTH) fail('Exceeds depth limit for parsing');
      stack.push(
        c === '['
          ? { arr: [], obj: null, key: null, want: 'value' }
          : { arr: null, obj: {}, key: null, want: 'key' },
      );
      i++;
      continue;
    }
    if (c === ']' || c === '}') {
      if (!top || (c === ']') !== (top.arr !== null)) fail(`Unmatched '${c}'`);
      const t = top as Open;
      const empty = t.arr ? t.arr.length === 0 : Object.keys(t.obj as JsonObject).length === 0;
      if (t.want !== 'sep' && !(empty && (t.want === 'value' || t.want === 'key')))
        fail(t.arr ? 'Expected another array element' : 'Objects must consist of key:value pairs');
      stack.pop();
      i++;
      put(t.arr ?? (t.obj as JsonObject));
      continue;
    }
    if (c === ',') {
      if (!top || top.want !== 'sep') fail("Expected value before ','");
      (top as Open).want = (top as Open).arr ? 'value' : 'key';
      i++;
      continue;
    }
    if (c === ':') {
      if (!top || top.want !== 'colon') fail("':' not as part of an object");
      (top as Open).want = 'value';
      i++;
      continue;
    }
    if (c === '"') {
      i++;
      let s = '';
      for (;;) {
        if (i >= n) fail('Unfinished string', true);
        const ch = text[i] as string;
        if (ch === '"') break;
        if (ch === '\\') {
          const e = text[i + 1];
          i += 2;
          if (e === 'u') {
            const hex = text.slice(i, i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Invalid escape');
            s += String.fromCharCode(parseInt(hex, 16));
            i += 4;
          } else {
            const m: Record<string, string> = {
              n: '\n',
              t: '\t',
              r: '\r',
              b: '\b',
              f: '\f',
              '"': '"',
              '\\': '\\',
              '/': '/',
            };
            const r = e === undefined ? undefined : m[e];
            if (r === undefined) fail('Invalid escape');
            s += r;
          }
          continue;
        }
        s += ch;
        i++;
      }
      i++;
      put(s);
      continue;
    }
    // a literal: a run up to whitespace or a delimiter
    const start = i;
    while (i < n && !' \t\n\r[]{},:"'.includes(text[i] as string)) i++;
    const tok = text.slice(start, i);
    const atEof = i >= n;
    if (tok === 'true') put(true);
    else if (tok === 'false') put(false);
    else if (tok === 'null') put(null);
    else if (tok[0] === "'") fail('Invalid string literal; expected ", but got \'', atEof);
    else if (NUMBER.test(tok)) put(Number(tok));
    else if (SPECIAL.test(tok))
      put(/nan/i.test(tok) ? NaN : tok.startsWith('-') ? -Infinity : Infinity);
    else if (/^[tfn]/.test(tok)) fail('Invalid literal', atEof);
    else fail('Invalid numeric literal', atEof);
  }
  if (stack.length > 0) fail('Unfinished JSON term', true);
  if (result === undefined) fail('Expected JSON value', true);
  return result as Json;
}
