// The compiler: syntax tree -> filters (closures). Names resolve at compile time:
// variables, labels and local functions to a depth in the runtime environment; jq-
// defined builtins (defs.ts) are inlined at each call site, their filter parameters
// bound directly to the caller's compiled arguments (so fast paths flow through
// `map(.x)` or `select(.a > 1)`); natives (registry.ts) are factories over compiled
// arguments. Local `def`s stay closures in the environment, since they may recurse.
import type { Json } from './api.js';
import type { Node, Pattern } from './ast.js';
import { builtinDef } from './defs.js';
import { envAt, lookup } from './env.js';
import { SyntaxErr } from './lexer.js';
import * as N from './nodes.js';
import { assignF } from './assign.js';
import type { CPattern } from './patterns.js';
import { destructure, patternVars, pushVars } from './patterns.js';
import { NATIVES } from './registry.js';
import type { Closure, Emit, Env, F, Path } from './runtime.js';
import {
  BreakSignal,
  NONE,
  catchable,
  checkLength,
  emitValue,
  fromOne,
  limitError,
  rt,
  step,
} from './runtime.js';
import { formatString, isFormat } from './builtins/format.js';
import { toText } from './values.js';

type ScopeEntry =
  | { kind: 'var'; name: string }
  | { kind: 'param'; name: string }
  | { kind: 'func'; name: string; arity: number; info: FuncInfo }
  | { kind: 'label'; name: string }
  | { kind: 'hidden' };

interface FuncInfo {
  params: string[];
  body?: F;
}

interface InlineFrame {
  floor: number;
  params: Map<string, { f: F; base: number }>;
  key: string;
}

export class Compiler {
  private scope: ScopeEntry[] = [];
  private frames: InlineFrame[] = [];

  constructor(globals: readonly string[]) {
    for (const g of globals) this.scope.push({ kind: 'var', name: g });
  }

  private floor(): number {
    const f = this.frames[this.frames.length - 1];
    return f ? f.floor : 0;
  }

  private find(pred: (e: ScopeEntry) => boolean): number {
    for (let i = this.scope.length - 1; i >= this.floor(); i--) {
      if (pred(this.scope[i] as ScopeEntry)) return this.scope.length - 1 - i;
    }
    return -1;
  }

  private withEntries<T>(entries: ScopeEntry[], fn: () => T): T {
    const n = this.scope.length;
    this.scope.push(...entries);
    try {
      return fn();
    } finally {
      this.scope.length = n;
    }
  }

  compile(node: Node): F {
    switch (node.kind) {
      case 'identity':
        return N.IDENTITY;
      case 'recurse':
        return this.call('recurse', [], node);
      case 'literal':
        return N.literal(node.value);
      case 'loc':
        return N.literal({ file: '<top-level>', line: node.line });
      case 'string':
        if (node.format !== undefined) this.checkFormat(node.format, node.at);
        return this.string(node.parts, node.format);
      case 'format':
        this.checkFormat(node.name, node.at);
        return fromOne((v) => formatString(node.name, v));
      case 'field':
        return N.fieldF(this.compile(node.target), node.name, node.opt === true);
      case 'index':
        return N.indexF(this.compile(node.target), this.compile(node.index), node.opt === true);
      case 'slice':
        return N.sliceF(
          this.compile(node.target),
          node.from && this.compile(node.from),
          node.to && this.compile(node.to),
          node.opt === true,
        );
      case 'iterate':
        return N.iterateF(this.compile(node.target), node.opt === true);
      case 'try':
        return N.tryF(this.compile(node.body), node.handler && this.compile(node.handler));
      case 'array':
        if (
          node.body &&
          node.body.kind === 'pipe' &&
          node.body.left.kind === 'iterate' &&
          !node.body.left.opt
        ) {
          return N.mapF(this.compile(node.body.right), this.compile(node.body.left.target));
        }
        return N.arrayF(node.body && this.compile(node.body));
      case 'object':
        return N.objectF(
          node.entries.map((e) => ({ key: this.compile(e.key), value: this.compile(e.value) })),
        );
      case 'neg':
        return N.negF(this.compile(node.body));
      case 'pipe':
        return N.pipe(this.compile(node.left), this.compile(node.right));
      case 'comma':
        return N.comma(this.compile(node.left), this.compile(node.right));
      case 'binop':
        return N.binop(node.op, this.compile(node.left), this.compile(node.right));
      case 'and':
        return N.andF(this.compile(node.left), this.compile(node.right));
      case 'or':
        return N.orF(this.compile(node.left), this.compile(node.right));
      case 'alt':
        return N.altF(this.compile(node.left), this.compile(node.right));
      case 'assign':
        return assignF(node.op, this.compile(node.left), this.compile(node.right));
      case 'if':
        return N.ifF(
          this.compile(node.cond),
          this.compile(node.then),
          node.else ? this.compile(node.else) : N.IDENTITY,
        );
      case 'reduce':
        return this.reduce(node);
      case 'foreach':
        return this.foreach(node);
      case 'def':
        return this.def(node);
      case 'call':
        return this.call(node.name, node.args, node);
      case 'var':
        return this.variable(node.name, node.at);
      case 'bind':
        return this.bind(node);
      case 'label':
        return this.label(node.name, node.body);
      case 'break': {
        const d = this.find((e) => e.kind === 'label' && e.name === node.name);
        if (d < 0) throw new SyntaxErr(`$*label-${node.name} is not defined`, node.at);
        return {
          gen: (_v, _p, env) => {
            throw new BreakSignal(lookup(env, d) as object);
          },
          one: (_v, env) => {
            throw new BreakSignal(lookup(env, d) as object);
          },
        };
      }
    }
  }

  private checkFormat(name: string, at: number): void {
    if (!isFormat(name)) throw new SyntaxErr(`${name} is not a valid format`, at);
  }

  private variable(name: string, at: number): F {
    const d = this.find((e) => e.kind === 'var' && e.name === name);
    if (d < 0) {
      if (name === '__prog_args' || name === 'ENV')
        throw new SyntaxErr(`$${name} is not available in weft's sandboxed jq`, at);
      throw new SyntaxErr(`$${name} is not defined`, at);
    }
    switch (d) {
      case 0:
        return fromOne((_v, env) => (env as NonNullable<Env>).v as Json);
      case 1:
        return fromOne((_v, env) => (env as NonNullable<Env>).n!.v as Json);
      default:
        return fromOne((_v, env) => lookup(env, d) as Json);
    }
  }

  private string(parts: (string | Node)[], format: string | undefined): F {
    const fs: (string | F)[] = parts.map((p) => (typeof p === 'string' ? p : this.compile(p)));
    const conv = format === undefined ? toText : (v: Json) => formatString(format, v);
    if (fs.every((p) => typeof p === 'string' || p.one)) {
      // later interpolations are jq's outer loops: evaluate them first
      return fromOne((v, env) => {
        let s = '';
        for (let i = fs.length - 1; i >= 0; i--) {
          const p = fs[i] as string | F;
          if (typeof p === 'string') s = p + s;
          else {
            const x = p.one!(v, env);
            if (x === NONE) return NONE;
            s = conv(x) + s;
            checkLength(s.length);
          }
        }
        return s;
      });
    }
    // later interpolations vary slowest, as in jq
    return {
      gen: (v, p, env, k) => {
        const strs: string[] = new Array<string>(fs.length);
        const go = (i: number): void => {
          if (i < 0) {
            const s = strs.join('');
            checkLength(s.length);
            emitValue(s, p, k);
            return;
          }
          const part = fs[i] as string | F;
          if (typeof part === 'string') {
            strs[i] = part;
            go(i - 1);
          } else {
            part.gen(v, null, env, (x) => {
              strs[i] = conv(x);
              go(i - 1);
            });
          }
        };
        go(fs.length - 1);
      },
    };
  }

  private compilePattern(p: Pattern, names: string[]): CPattern {
    switch (p.kind) {
      case 'var':
        return { kind: 'var', slot: names.indexOf(p.name) };
      case 'array':
        return { kind: 'array', items: p.items.map((it) => this.compilePattern(it, names)) };
      case 'object':
        return {
          kind: 'object',
          entries: p.entries.map((e) => {
            const out: { key: F; keySlot?: number; value?: CPattern } = {
              key: this.compile(e.key),
            };
            if (e.keyVar !== undefined) out.keySlot = names.indexOf(e.keyVar);
            if (e.value) out.value = this.compilePattern(e.value, names);
            return out;
          }),
        };
    }
  }

  private bind(node: Node & { kind: 'bind' }): F {
    const source = this.compile(node.source);
    const names: string[] = [];
    for (const p of node.patterns) patternVars(p, names);
    const pats = node.patterns.map((p) => this.compilePattern(p, names));
    const body = this.withEntries(
      names.map((name) => ({ kind: 'var' as const, name })),
      () => this.compile(node.body),
    );
    const first = pats[0] as CPattern;
    if (pats.length === 1 && first.kind === 'var') {
      const so = source.one;
      const bo = body.one;
      const gen = (v: Json, p: Path | null, env: Env, k: Emit): void =>
        source.gen(v, null, env, (x) => body.gen(v, p, { v: x, n: env }, k));
      if (so && bo) {
        return {
          gen,
          one: (v, env) => {
            const x = so(v, env);
            return x === NONE ? NONE : bo(v, { v: x, n: env });
          },
        };
      }
      return { gen };
    }
    const empty = (): Json[] => names.map(() => null);
    return {
      gen: (v, p, env, k) =>
        source.gen(v, null, env, (x) => {
          for (let i = 0; i < pats.length; i++) {
            const last = i === pats.length - 1;
            if (last) {
              destructure(pats[i] as CPattern, x, empty(), v, env, (vals) =>
                body.gen(v, p, pushVars(env, vals), k),
              );
              return;
            }
            let downstream = false;
            const depth = rt.depth;
            try {
              destructure(pats[i] as CPattern, x, empty(), v, env, (vals) =>
                body.gen(v, p, pushVars(env, vals), (y, q) => {
                  downstream = true;
                  k(y, q);
                  downstream = false;
                }),
              );
              return;
            } catch (e) {
              if (downstream || !catchable(e)) throw e;
              rt.depth = depth;
            }
          }
        }),
    };
  }

  private reduce(node: Node & { kind: 'reduce' }): F {
    const source = this.compile(node.source);
    const init = this.compile(node.init);
    const names = patternVars(node.pattern, []);
    const pat = this.compilePattern(node.pattern, names);
    const update = this.withEntries(
      names.map((name) => ({ kind: 'var' as const, name })),
      () => this.compile(node.update),
    );
    const simple = pat.kind === 'var';
    const uo = update.one;
    const run = (
      v: Json,
      p: Path | null,
      env: Env,
      x0: Json,
      q0: Path | null,
    ): [Json, Path | null] => {
      // jq 1.7: an update with no output makes the state null; several, the last one
      if (simple && uo && p === null) {
        const st = { acc: x0 };
        source.gen(v, null, env, (item) => {
          step();
          const r = uo(st.acc, { v: item, n: env });
          st.acc = r === NONE ? null : r;
        });
        return [st.acc, null];
      }
      let acc = x0;
      let accPath = q0;
      let live = true;
      source.gen(v, null, env, (item) => {
        step();
        const apply = (env2: Env): void => {
          if (!live) {
            acc = null;
            accPath = p === null ? null : accPath;
          }
          let got = false;
          let last: Json = null;
          let lastPath: Path | null = null;
          update.gen(acc, accPath, env2, (y, q) => {
            got = true;
            last = y;
            lastPath = q;
          });
          live = got;
          acc = got ? last : null;
          accPath = got ? lastPath : accPath;
        };
        if (simple) apply({ v: item, n: env });
        else
          destructure(
            pat,
            item,
            names.map(() => null),
            v,
            env,
            (vals) => apply(pushVars(env, vals)),
          );
      });
      return [live ? acc : null, accPath];
    };
    const io = init.one;
    const gen = (v: Json, p: Path | null, env: Env, k: Emit): void =>
      init.gen(v, p, env, (x0, q0) => {
        const [r, q] = run(v, p, env, x0, q0);
        k(r, q);
      });
    if (io) {
      return {
        gen,
        one: (v, env) => {
          const x0 = io(v, env);
          return x0 === NONE ? NONE : run(v, null, env, x0, null)[0];
        },
      };
    }
    return { gen };
  }

  private foreach(node: Node & { kind: 'foreach' }): F {
    const source = this.compile(node.source);
    const init = this.compile(node.init);
    const names = patternVars(node.pattern, []);
    const pat = this.compilePattern(node.pattern, names);
    const [update, extract] = this.withEntries(
      names.map((name) => ({ kind: 'var' as const, name })),
      () => [this.compile(node.update), node.extract && this.compile(node.extract)] as const,
    );
    return {
      gen: (v, p, env, k) =>
        init.gen(v, null, env, (x0) => {
          const st = { acc: x0 };
          const apply = (env2: Env): void =>
            update.gen(st.acc, null, env2, (y) => {
              st.acc = y;
              if (extract) extract.gen(y, null, env2, (z) => emitValue(z, p, k));
              else emitValue(y, p, k);
            });
          source.gen(v, null, env, (item) => {
            step();
            if (pat.kind === 'var') apply({ v: item, n: env });
            else
              destructure(
                pat,
                item,
                names.map(() => null),
                v,
                env,
                (vals) => apply(pushVars(env, vals)),
              );
          });
        }),
    };
  }

  private label(name: string, bodyNode: Node): F {
    const body = this.withEntries([{ kind: 'label', name }], () => this.compile(bodyNode));
    return {
      gen: (v, p, env, k) => {
        const token = {};
        const depth = rt.depth;
        try {
          body.gen(v, p, { v: token, n: env }, k);
        } catch (e) {
          if (e instanceof BreakSignal && e.token === token) {
            rt.depth = depth;
            return;
          }
          throw e;
        }
      },
    };
  }

  private def(node: Node & { kind: 'def' }): F {
    const info: FuncInfo = { params: node.params };
    const self: ScopeEntry = { kind: 'func', name: node.name, arity: node.params.length, info };
    const rest = this.withEntries([self], () => {
      const bodyScope: ScopeEntry[] = [];
      for (const p of node.params) bodyScope.push({ kind: 'param', name: p.replace(/^\$/, '') });
      for (const p of node.params)
        if (p.startsWith('$')) bodyScope.push({ kind: 'var', name: p.slice(1) });
      info.body = this.withEntries(bodyScope, () => this.compile(node.body));
      return this.compile(node.rest);
    });
    const ro = rest.one;
    return {
      gen: (v, p, env, k) => rest.gen(v, p, { v: null, n: env }, k),
      ...(ro ? { one: (v: Json, env: Env) => ro(v, { v: null, n: env }) } : {}),
    };
  }

  call(name: string, argNodes: Node[], node: Node): F {
    const arity = argNodes.length;
    // 1. local functions and filter parameters
    const d = this.find(
      (e) =>
        (e.kind === 'func' && e.name === name && e.arity === arity) ||
        (e.kind === 'param' && e.name === name && arity === 0),
    );
    if (d >= 0) {
      const entry = this.scope[this.scope.length - 1 - d] as ScopeEntry;
      if (entry.kind === 'param') {
        return {
          gen: (v, p, env, k) => {
            const c = lookup(env, d) as Closure;
            c.f.gen(v, p, c.env, k);
          },
        };
      }
      return this.callLocal((entry as ScopeEntry & { kind: 'func' }).info, argNodes, d);
    }
    // 2. filter parameters of an inlined builtin
    const frame = this.frames[this.frames.length - 1];
    if (frame && arity === 0) {
      if (frame.params.has(name)) return this.paramRef(name, frame);
    }
    // 3. natives, 4. jq-defined builtins
    const key = `${name}/${arity}`;
    const nat = NATIVES.get(key);
    if (nat) return nat(argNodes.map((a) => this.compile(a)));
    const def = builtinDef(key);
    if (def) return this.inline(def, argNodes, key);
    throw new SyntaxErr(`${name}/${arity} is not defined`, node.at);
  }

  private inline(def: { params: string[]; body: Node }, argNodes: Node[], key: string): F {
    if (this.frames.some((f) => f.key === key) && this.frames.length > 40)
      throw new SyntaxErr(`${key} recurses while inlining`, 0);
    const args = argNodes.map((a) => this.compile(a));
    const base = this.scope.length;
    const params = new Map<string, { f: F; base: number }>();
    const binds: { name: string; f: F }[] = [];
    def.params.forEach((p, i) => {
      const f = args[i] as F;
      if (p.startsWith('$')) {
        params.set(p.slice(1), { f, base });
        binds.push({ name: p.slice(1), f });
      } else params.set(p, { f, base });
    });
    const frame: InlineFrame = { floor: base, params, key };
    this.frames.push(frame);
    try {
      // `$x` parameters: `def f($x): body` is `def f(x): x as $x | body`
      const compileBinds = (i: number): F => {
        if (i === binds.length) return this.compile(def.body);
        const b = binds[i] as { name: string; f: F };
        const src = this.paramRef(b.name, frame);
        const inner = this.withEntries([{ kind: 'var', name: b.name }], () => compileBinds(i + 1));
        const so = src.one;
        const io = inner.one;
        const gen = (v: Json, p: Path | null, env: Env, k: Emit): void =>
          src.gen(v, null, env, (x) => inner.gen(v, p, { v: x, n: env }, k));
        return so && io
          ? {
              gen,
              one: (v: Json, env: Env) => {
                const x = so(v, env);
                return x === NONE ? NONE : io(v, { v: x, n: env });
              },
            }
          : { gen };
      };
      return compileBinds(0);
    } finally {
      this.frames.pop();
    }
  }

  private paramRef(name: string, frame: InlineFrame): F {
    const param = frame.params.get(name) as { f: F; base: number };
    const extra = this.scope.length - param.base;
    if (extra === 0) return param.f;
    const f = param.f;
    const fo = f.one;
    return {
      gen: (v, p, env, k) => f.gen(v, p, walk(env, extra), k),
      ...(fo ? { one: (v: Json, env: Env) => fo(v, walk(env, extra)) } : {}),
    };
  }

  private callLocal(info: FuncInfo, argNodes: Node[], d: number): F {
    const args = argNodes.map((a) => this.compile(a));
    const dollar = info.params.map((p, i) => (p.startsWith('$') ? i : -1)).filter((i) => i >= 0);
    return {
      gen: (v, p, env, k) => {
        step();
        if (++rt.depth > rt.maxDepth) limitError(`recursion deeper than ${rt.maxDepth}`);
        let e: Env = envAt(env, d);
        for (const a of args) e = { v: { f: a, env } satisfies Closure, n: e };
        const body = info.body as F;
        if (dollar.length === 0) body.gen(v, p, e, k);
        else {
          const go = (i: number, cur: Env): void => {
            if (i === dollar.length) return body.gen(v, p, cur, k);
            (args[dollar[i] as number] as F).gen(v, null, env, (x) => go(i + 1, { v: x, n: cur }));
          };
          go(0, e);
        }
        rt.depth--;
      },
    };
  }
}

function walk(env: Env, n: number): Env {
  let e = env;
  for (let i = 0; i < n; i++) e = (e as NonNullable<Env>).n;
  return e;
}
