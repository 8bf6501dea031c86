// Tokens of a jq program. String literals are lexed with their interpolations:
// each `\( ... )` becomes a nested token list that the parser parses on its own.
export type Tok =
  | { t: 'num'; v: number; at: number }
  | { t: 'str'; parts: (string | Tok[])[]; at: number; end: number }
  | { t: 'ident'; v: string; at: number }
  | { t: 'field'; v: string; at: number }
  | { t: 'var'; v: string; at: number }
  | { t: 'format'; v: string; at: number }
  | { t: 'op'; v: string; at: number }
  | { t: 'eof'; at: number };

export class SyntaxErr extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

const OPS = [
  '?//',
  '|=',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '//=',
  '==',
  '!=',
  '<=',
  '>=',
  '//',
  '..',
  '.',
  '[',
  ']',
  '{',
  '}',
  '(',
  ')',
  '|',
  ',',
  ':',
  ';',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '?',
];

function isIdStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}
function isIdChar(c: string): boolean {
  return isIdStart(c) || (c >= '0' && c <= '9');
}
function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

export class Lexer {
  pos = 0;
  constructor(readonly src: string) {}

  private ident(): string {
    const start = this.pos;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos] as string;
      if (isIdChar(c)) this.pos++;
      else if (
        c === ':' &&
        this.src[this.pos + 1] === ':' &&
        isIdStart(this.src[this.pos + 2] ?? '')
      )
        this.pos += 2;
      else break;
    }
    return this.src.slice(start, this.pos);
  }

  private skipSpace(): void {
    const s = this.src;
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else if (c === '#') {
        while (this.pos < s.length && s[this.pos] !== '\n') {
          // a backslash before a newline continues the comment (jq 1.7)
          if (s[this.pos] === '\\' && s[this.pos + 1] === '\n') this.pos++;
          this.pos++;
        }
      } else break;
    }
  }

  /** Lex up to `stop` (a closing paren of an interpolation) or the end of the text. */
  all(inInterp = false): Tok[] {
    const toks: Tok[] = [];
    let depth = 0;
    for (;;) {
      const tok = this.next();
      if (inInterp) {
        if (tok.t === 'eof') throw new SyntaxErr('unterminated string interpolation', tok.at);
        if (tok.t === 'op' && tok.v === '(') depth++;
        if (tok.t === 'op' && tok.v === ')') {
          if (depth === 0) {
            toks.push({ t: 'eof', at: tok.at });
            return toks;
          }
          depth--;
        }
      }
      toks.push(tok);
      if (tok.t === 'eof') return toks;
    }
  }

  next(): Tok {
    this.skipSpace();
    const s = this.src;
    const at = this.pos;
    if (at >= s.length) return { t: 'eof', at };
    const c = s[at] as string;
    if (c === '"') return this.string();
    if (isDigit(c) || (c === '.' && isDigit(s[at + 1]))) {
      const m = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(s.slice(at));
      const text = (m as RegExpExecArray)[0];
      this.pos += text.length;
      return { t: 'num', v: Number(text), at };
    }
    if (isIdStart(c)) return { t: 'ident', v: this.ident(), at };
    if (c === '$') {
      this.pos++;
      this.skipSpace();
      if (!isIdStart(s[this.pos] ?? '')) throw new SyntaxErr("syntax error, unexpected '$'", at);
      return { t: 'var', v: this.ident(), at };
    }
    if (c === '@') {
      this.pos++;
      if (!isIdStart(s[this.pos] ?? '')) throw new SyntaxErr("syntax error, unexpected '@'", at);
      return { t: 'format', v: this.ident(), at };
    }
    if (c === '.' && isIdStart(s[at + 1] ?? '')) {
      this.pos++;
      let name = '';
      while (this.pos < s.length && isIdChar(s[this.pos] as string)) name += s[this.pos++];
      return { t: 'field', v: name, at };
    }
    for (const op of OPS) {
      if (s.startsWith(op, at)) {
        this.pos += op.length;
        return { t: 'op', v: op, at };
      }
    }
    throw new SyntaxErr('syntax error, unexpected INVALID_CHARACTER', at);
  }

  private string(): Tok {
    const s = this.src;
    const at = this.pos;
    this.pos++;
    const parts: (string | Tok[])[] = [];
    let buf = '';
    for (;;) {
      if (this.pos >= s.length) throw new SyntaxErr('unterminated string literal', at);
      const c = s[this.pos] as string;
      if (c === '"') {
        this.pos++;
        break;
      }
      if (c !== '\\') {
        buf += c;
        this.pos++;
        continue;
      }
      const e = s[this.pos + 1];
      const escAt = this.pos;
      this.pos += 2;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          buf += e;
          break;
        case 'n':
          buf += '\n';
          break;
        case 't':
          buf += '\t';
          break;
        case 'r':
          buf += '\r';
          break;
        case 'b':
          buf += '\b';
          break;
        case 'f':
          buf += '\f';
          break;
        case 'u': {
          const hex = s.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new SyntaxErr('Invalid escape', escAt);
          buf += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        case '(': {
          if (buf) parts.push(buf);
          buf = '';
          parts.push(this.all(true));
          break;
        }
        default:
          throw new SyntaxErr('Invalid escape', escAt);
      }
    }
    if (buf || parts.length === 0) parts.push(buf);
    return { t: 'str', parts, at, end: this.pos };
  }
}
