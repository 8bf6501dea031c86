// Parser for jq programs: precedence climbing over the token list, keeping the
// offset of every node. Precedences follow jq's yacc grammar (lowest first):
// '|' (right), ',' (left), '//' (right), '=' and update-assignments (nonassoc),
// 'or', 'and', comparisons (nonassoc), '+' '-', '*' '/' '%'.
import type { Node, Pattern, StrPart } from './ast.js';
import { Lexer, SyntaxErr } from './lexer.js';
import type { Tok } from './lexer.js';

const KEYWORDS = new Set([
  'def',
  'if',
  'then',
  'elif',
  'else',
  'end',
  'as',
  'reduce',
  'foreach',
  'try',
  'catch',
  'label',
  'import',
  'include',
  'and',
  'or',
  '__loc__',
]);

const BIN: Record<string, [number, 'l' | 'r' | 'n']> = {
  '|': [1, 'r'],
  ',': [2, 'l'],
  '//': [3, 'r'],
  '=': [4, 'n'],
  '|=': [4, 'n'],
  '+=': [4, 'n'],
  '-=': [4, 'n'],
  '*=': [4, 'n'],
  '/=': [4, 'n'],
  '%=': [4, 'n'],
  '//=': [4, 'n'],
  or: [5, 'l'],
  and: [6, 'l'],
  '==': [7, 'n'],
  '!=': [7, 'n'],
  '<': [7, 'n'],
  '<=': [7, 'n'],
  '>': [7, 'n'],
  '>=': [7, 'n'],
  '+': [8, 'l'],
  '-': [8, 'l'],
  '*': [9, 'l'],
  '/': [9, 'l'],
  '%': [9, 'l'],
};

export const SANDBOXED = new Set([
  'input',
  'inputs',
  'env',
  'input_filename',
  'halt',
  'halt_error',
  'get_search_list',
  'get_prog_origin',
  'get_jq_origin',
  'input_line_number',
  '$ENV',
  '$__prog_args',
  'import',
  'include',
  'modulemeta',
]);

export function sandboxMessage(name: string): string {
  return `${name} is not available in weft's sandboxed jq`;
}

function describe(tok: Tok): string {
  switch (tok.t) {
    case 'eof':
      return 'end of file';
    case 'num':
      return 'LITERAL';
    case 'str':
      return 'QQSTRING_START';
    case 'ident':
      return KEYWORDS.has(tok.v) ? tok.v : 'IDENT';
    case 'field':
      return 'FIELD';
    case 'var':
      return 'BINDING';
    case 'format':
      return 'FORMAT';
    case 'op':
      return `'${tok.v}'`;
  }
}

export class Parser {
  private i = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly src: string,
  ) {}

  static parse(src: string): Node {
    const toks = new Lexer(src).all();
    const p = new Parser(toks, src);
    const node = p.exp(0, false);
    const t = p.peek();
    if (t.t !== 'eof') p.unexpected(t, 'expecting end of file');
    return node;
  }

  private peek(k = 0): Tok {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)] as Tok;
  }
  private take(): Tok {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  private isOp(v: string, k = 0): boolean {
    const t = this.peek(k);
    return t.t === 'op' && t.v === v;
  }
  private isKw(v: string): boolean {
    const t = this.peek();
    return t.t === 'ident' && t.v === v;
  }
  unexpected(t: Tok, expecting?: string): never {
    throw new SyntaxErr(
      `syntax error, unexpected ${describe(t)}${expecting ? ', ' + expecting : ''}`,
      t.at,
    );
  }
  private expectOp(v: string): Tok {
    const t = this.take();
    if (t.t !== 'op' || t.v !== v) this.unexpected(t, `expecting '${v}'`);
    return t;
  }
  private expectKw(v: string): void {
    const t = this.take();
    if (t.t !== 'ident' || t.v !== v) this.unexpected(t, `expecting ${v}`);
  }

  private binOp(): string | undefined {
    const t = this.peek();
    if (t.t === 'op' && t.v in BIN) return t.v;
    if (t.t === 'ident' && (t.v === 'and' || t.v === 'or')) return t.v;
    return undefined;
  }

  exp(minPrec: number, noComma: boolean): Node {
    let left = this.prefix(noComma);
    for (;;) {
      if (minPrec <= 3 && this.isKw('as')) {
        left = this.bindRest(left, noComma);
        continue;
      }
      const op = this.binOp();
      if (op === undefined || (noComma && op === ',')) break;
      const [prec, assoc] = BIN[op] as [number, string];
      if (prec < minPrec) break;
      const t = this.take();
      const right = this.exp(assoc === 'r' ? prec : prec + 1, noComma);
      const at = t.at;
      if (op === '|') left = { kind: 'pipe', left, right, at };
      else if (op === ',') left = { kind: 'comma', left, right, at };
      else if (op === '//') left = { kind: 'alt', left, right, at };
      else if (op === 'and') left = { kind: 'and', left, right, at };
      else if (op === 'or') left = { kind: 'or', left, right, at };
      else if (prec === 4) left = { kind: 'assign', op, left, right, at };
      else left = { kind: 'binop', op, left, right, at };
      if (assoc === 'n') {
        const next = this.binOp();
        if (next !== undefined && (BIN[next] as [number, string])[0] === prec)
          this.unexpected(this.peek());
      }
    }
    return left;
  }

  private prefix(noComma: boolean): Node {
    const t = this.peek();
    if (t.t === 'ident' && t.v === 'def') {
      const def = this.funcDef();
      const rest = this.exp(0, noComma);
      return { ...def, rest };
    }
    if (t.t === 'ident' && t.v === 'label') {
      this.take();
      const v = this.take();
      if (v.t !== 'var') this.unexpected(v, 'expecting BINDING');
      this.expectOp('|');
      return { kind: 'label', name: v.v, body: this.exp(0, noComma), at: t.at };
    }
    if (t.t === 'ident' && (t.v === 'import' || t.v === 'include'))
      throw new SyntaxErr(sandboxMessage(t.v), t.at);
    if (t.t === 'op' && t.v === '-') {
      this.take();
      // jq 1.8 binds `-1 as $x | ...` as `(-1) as $x` (jq 1.7.1 negated the whole binding)
      const body = this.postfix();
      return { kind: 'neg', body, at: t.at };
    }
    return this.postfix();
  }

  private bindRest(term: Node, noComma: boolean): Node {
    const at = this.take().at;
    const patterns = [this.pattern()];
    while (this.isOp('?//')) {
      this.take();
      patterns.push(this.pattern());
    }
    this.expectOp('|');
    const body = this.exp(0, noComma);
    return { kind: 'bind', source: term, patterns, body, at };
  }

  private funcDef(): Node & { kind: 'def' } {
    const at = this.take().at;
    const nameTok = this.take();
    if (nameTok.t !== 'ident' || KEYWORDS.has(nameTok.v))
      this.unexpected(nameTok, 'expecting IDENT');
    const params: string[] = [];
    if (this.isOp('(')) {
      this.take();
      for (;;) {
        const p = this.take();
        if (p.t === 'ident' && !KEYWORDS.has(p.v)) params.push(p.v);
        else if (p.t === 'var') params.push('$' + p.v);
        else this.unexpected(p, 'expecting IDENT or BINDING');
        if (this.isOp(';')) {
          this.take();
          continue;
        }
        this.expectOp(')');
        break;
      }
    }
    this.expectOp(':');
    const body = this.exp(0, false);
    this.expectOp(';');
    return { kind: 'def', name: nameTok.v, params, body, rest: { kind: 'identity', at }, at };
  }

  private pattern(): Pattern {
    const t = this.take();
    if (t.t === 'var') {
      if (t.v === '__loc__') this.unexpected(t);
      return { kind: 'var', name: t.v };
    }
    if (t.t === 'op' && t.v === '[') {
      const items: Pattern[] = [];
      if (this.isOp(']')) this.unexpected(this.peek(), "expecting BINDING or '[' or '{'");
      for (;;) {
        items.push(this.pattern());
        if (this.isOp(',')) {
          this.take();
          continue;
        }
        this.expectOp(']');
        return { kind: 'array', items };
      }
    }
    if (t.t === 'op' && t.v === '{') {
      const entries: { key: Node; keyVar?: string; value?: Pattern }[] = [];
      for (;;) {
        const k = this.take();
        if (k.t === 'var') {
          const e: { key: Node; keyVar?: string; value?: Pattern } = {
            key: { kind: 'literal', value: k.v, at: k.at },
            keyVar: k.v,
          };
          if (this.isOp(':')) {
            this.take();
            e.value = this.pattern();
          }
          entries.push(e);
        } else {
          let key: Node;
          if (k.t === 'ident') key = { kind: 'literal', value: k.v, at: k.at };
          else if (k.t === 'str') key = this.stringNode(k);
          else if (k.t === 'op' && k.v === '(') {
            key = this.exp(0, false);
            this.expectOp(')');
            if (key.kind === 'literal' && typeof key.value !== 'string')
              throw new SyntaxErr(
                `Cannot use ${key.value === null ? 'null' : typeof key.value} (${JSON.stringify(key.value)}) as object key`,
                k.at,
              );
          } else this.unexpected(k);
          this.expectOp(':');
          entries.push({ key, value: this.pattern() });
        }
        if (this.isOp(',')) {
          this.take();
          continue;
        }
        this.expectOp('}');
        return { kind: 'object', entries };
      }
    }
    return this.unexpected(t, "expecting BINDING or '[' or '{'");
  }

  private stringNode(t: Tok & { t: 'str' }, format?: string): Node {
    const parts: StrPart[] = t.parts.map((p) => {
      if (typeof p === 'string') return p;
      const sub = new Parser(p, this.src);
      const n = sub.exp(0, false);
      const end = sub.peek();
      if (end.t !== 'eof') sub.unexpected(end);
      return n;
    });
    if (format === undefined && parts.length === 1 && typeof parts[0] === 'string')
      return { kind: 'literal', value: parts[0], at: t.at };
    return format === undefined
      ? { kind: 'string', parts, at: t.at }
      : { kind: 'string', parts, format, at: t.at };
  }

  private postfix(): Node {
    let node = this.primary();
    for (;;) {
      const t = this.peek();
      if (t.t === 'field') {
        this.take();
        node = { kind: 'field', target: node, name: t.v, at: t.at };
      } else if (t.t === 'op' && t.v === '.' && this.peek(1).t === 'str') {
        this.take();
        const s = this.take() as Tok & { t: 'str' };
        node = { kind: 'index', target: node, index: this.stringNode(s), at: t.at };
      } else if (t.t === 'op' && t.v === '.' && this.isOp('[', 1)) {
        this.take();
      } else if (t.t === 'op' && t.v === '[') {
        node = this.bracket(node);
      } else if (t.t === 'op' && t.v === '?') {
        this.take();
        const k = node.kind;
        if ((k === 'field' || k === 'index' || k === 'slice' || k === 'iterate') && !node.opt)
          node = { ...node, opt: true };
        else node = { kind: 'try', body: node, at: t.at };
      } else return node;
    }
  }

  private bracket(target: Node): Node {
    const at = this.take().at;
    if (this.isOp(']')) {
      this.take();
      return { kind: 'iterate', target, at };
    }
    if (this.isOp(':')) {
      this.take();
      const to = this.exp(0, false);
      this.expectOp(']');
      return { kind: 'slice', target, to, at };
    }
    const idx = this.exp(0, false);
    if (this.isOp(':')) {
      this.take();
      if (this.isOp(']')) {
        this.take();
        return { kind: 'slice', target, from: idx, at };
      }
      const to = this.exp(0, false);
      this.expectOp(']');
      return { kind: 'slice', target, from: idx, to, at };
    }
    this.expectOp(']');
    return { kind: 'index', target, index: idx, at };
  }

  private lineOf(at: number): number {
    let line = 1;
    for (let i = 0; i < at && i < this.src.length; i++) if (this.src[i] === '\n') line++;
    return line;
  }

  private primary(): Node {
    const t = this.take();
    const at = t.at;
    switch (t.t) {
      case 'num':
        return { kind: 'literal', value: t.v, at };
      case 'str':
        return this.stringNode(t);
      case 'format': {
        const next = this.peek();
        if (next.t === 'str') {
          this.take();
          return this.stringNode(next, t.v);
        }
        return { kind: 'format', name: t.v, at };
      }
      case 'field':
        return { kind: 'field', target: { kind: 'identity', at }, name: t.v, at };
      case 'var':
        if (t.v === '__loc__') return { kind: 'loc', line: this.lineOf(at), at };
        if (SANDBOXED.has('$' + t.v)) throw new SyntaxErr(sandboxMessage('$' + t.v), at);
        return { kind: 'var', name: t.v, at };
      case 'op':
        return this.primaryOp(t.v, at);
      case 'ident':
        return this.primaryIdent(t.v, at);
      case 'eof':
        return this.unexpected(t);
    }
  }

  private primaryOp(v: string, at: number): Node {
    switch (v) {
      case '.': {
        const next = this.peek();
        if (next.t === 'str') {
          this.take();
          return {
            kind: 'index',
            target: { kind: 'identity', at },
            index: this.stringNode(next),
            at,
          };
        }
        return { kind: 'identity', at };
      }
      case '..':
        return { kind: 'recurse', at };
      case '(': {
        const e = this.exp(0, false);
        this.expectOp(')');
        return e;
      }
      case '[': {
        if (this.isOp(']')) {
          this.take();
          return { kind: 'array', at };
        }
        const body = this.exp(0, false);
        this.expectOp(']');
        return { kind: 'array', body, at };
      }
      case '{':
        return this.object(at);
    }
    return this.unexpected({ t: 'op', v, at });
  }

  private object(at: number): Node {
    const entries: { key: Node; value: Node }[] = [];
    if (this.isOp('}')) {
      this.take();
      return { kind: 'object', entries, at };
    }
    for (;;) {
      const k = this.take();
      let key: Node;
      let value: Node | undefined;
      if (k.t === 'var' && this.isOp(':')) {
        key = { kind: 'var', name: k.v, at: k.at };
      } else if (k.t === 'var') {
        if (k.v === '__loc__') {
          key = { kind: 'literal', value: '__loc__', at: k.at };
          value = { kind: 'loc', line: this.lineOf(k.at), at: k.at };
        } else {
          if (SANDBOXED.has('$' + k.v)) throw new SyntaxErr(sandboxMessage('$' + k.v), k.at);
          key = { kind: 'literal', value: k.v, at: k.at };
          value = { kind: 'var', name: k.v, at: k.at };
        }
      } else if (k.t === 'ident') {
        key = { kind: 'literal', value: k.v, at: k.at };
      } else if (k.t === 'num') {
        throw new SyntaxErr(`Cannot use number (${k.v}) as object key`, k.at);
      } else if (k.t === 'str') {
        key = this.stringNode(k);
      } else if (k.t === 'format' && this.peek().t === 'str') {
        key = this.stringNode(this.take() as Tok & { t: 'str' }, k.v);
      } else if (k.t === 'op' && k.v === '(') {
        key = this.exp(0, false);
        this.expectOp(')');
        if (key.kind === 'literal' && typeof key.value !== 'string') {
          const tn = key.value === null ? 'null' : typeof key.value;
          throw new SyntaxErr(
            `Cannot use ${tn} (${JSON.stringify(key.value)}) as object key`,
            k.at,
          );
        }
        if (!this.isOp(':')) this.unexpected(this.peek(), "expecting ':'");
      } else {
        return this.unexpected(k);
      }
      if (this.isOp(':')) {
        this.take();
        value = this.objValue();
      } else if (value === undefined) {
        value = { kind: 'index', target: { kind: 'identity', at: k.at }, index: key, at: k.at };
      }
      entries.push({ key, value });
      if (this.isOp(',')) {
        this.take();
        if (this.isOp('}')) this.unexpected(this.peek());
        continue;
      }
      const end = this.peek();
      if (end.t === 'op' && end.v === '}') {
        this.take();
        return { kind: 'object', entries, at };
      }
      if (end.t !== 'eof' && k.t === 'op') {
        throw new SyntaxErr('May need parentheses around object key expression', k.at);
      }
      return this.unexpected(end);
    }
  }

  private objValue(): Node {
    // an object value is any expression without a top-level ',' (that separates entries)
    return this.exp(0, true);
  }

  private primaryIdent(name: string, at: number): Node {
    switch (name) {
      case 'if':
        return this.ifNode(at);
      case 'try': {
        const body = this.tryBody();
        if (this.isKw('catch')) {
          this.take();
          return { kind: 'try', body, handler: this.tryBody(), at };
        }
        return { kind: 'try', body, at };
      }
      case 'reduce':
      case 'foreach': {
        const source = this.exp(4, true);
        this.expectKw('as');
        const pattern = this.pattern();
        this.expectOp('(');
        const init = this.exp(0, false);
        this.expectOp(';');
        const update = this.exp(0, false);
        if (name === 'reduce') {
          this.expectOp(')');
          return { kind: 'reduce', source, pattern, init, update, at };
        }
        let extract: Node | undefined;
        if (this.isOp(';')) {
          this.take();
          extract = this.exp(0, false);
        }
        this.expectOp(')');
        return extract
          ? { kind: 'foreach', source, pattern, init, update, extract, at }
          : { kind: 'foreach', source, pattern, init, update, at };
      }
      case 'break': {
        const v = this.take();
        if (v.t !== 'var') this.unexpected(v, 'expecting BINDING');
        return { kind: 'break', name: v.v, at };
      }
      case 'def': {
        this.i--;
        const def = this.funcDef();
        return { ...def, rest: this.exp(0, false) };
      }
    }
    if (KEYWORDS.has(name)) return this.unexpected({ t: 'ident', v: name, at });
    if (name === 'null') return { kind: 'literal', value: null, at };
    if (name === 'true') return { kind: 'literal', value: true, at };
    if (name === 'false') return { kind: 'literal', value: false, at };
    const args: Node[] = [];
    if (this.isOp('(')) {
      this.take();
      for (;;) {
        args.push(this.exp(0, false));
        if (this.isOp(';')) {
          this.take();
          continue;
        }
        this.expectOp(')');
        break;
      }
    }
    if (SANDBOXED.has(name) && !(name === 'halt_error' && args.length > 1))
      throw new SyntaxErr(sandboxMessage(name), at);
    return { kind: 'call', name, args, at };
  }

  private tryBody(): Node {
    if (this.isOp('-')) {
      const at = this.take().at;
      return { kind: 'neg', body: this.postfix(), at };
    }
    return this.postfix();
  }

  private ifNode(at: number): Node {
    const cond = this.exp(0, false);
    this.expectKw('then');
    const then = this.exp(0, false);
    if (this.isKw('elif')) {
      const elifAt = this.take().at;
      return { kind: 'if', cond, then, else: this.ifNode(elifAt), at };
    }
    if (this.isKw('else')) {
      this.take();
      const els = this.exp(0, false);
      this.expectKw('end');
      return { kind: 'if', cond, then, else: els, at };
    }
    this.expectKw('end');
    return { kind: 'if', cond, then, at };
  }
}
