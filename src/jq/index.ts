// weft's jq: compile(text) once, run the program many times. See api.ts for the
// contract and docs/jq.md for the language notes and sandbox limits.
import type {
  CompileOptions,
  CompileResult,
  Json,
  JqDiagnostic,
  JqLimits,
  JqProgram,
  RunOptions,
} from './api.js';
import { JqError } from './api.js';
import { Compiler } from './compile.js';
import { SyntaxErr } from './lexer.js';
import { Parser } from './parser.js';
import type { Env, F } from './runtime.js';
import { BreakSignal, NONE, rt } from './runtime.js';
import './builtins/core.js';
import './builtins/collections.js';
import './builtins/strings.js';
import './builtins/math.js';
import './builtins/time.js';
import './builtins/meta.js';

export type { CompileOptions, CompileResult, Json, JqDiagnostic, JqLimits, JqProgram, RunOptions };
export { JqError };

/**
 * Defaults, measured on the 2-core CI machine: 5,000,000 steps is about 0.3-1 s of the
 * most expensive builtins; typical workflow expressions take under 100 steps.
 */
export const DEFAULT_LIMITS: JqLimits = {
  maxSteps: 5_000_000,
  maxDepth: 2_000,
  maxOutputs: 100_000,
  maxLength: 10_000_000,
};

export function diagnostic(text: string, offset: number, message: string): JqDiagnostic {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return { line, col, offset, message };
}

let running = false;

function toJqError(e: unknown): unknown {
  if (e instanceof JqError) return e;
  if (e instanceof BreakSignal) return new JqError('break');
  if (e instanceof RangeError) {
    // the JS stack or string size gave out: both are sandbox limits
    const what = /call stack/i.test(e.message) ? 'nesting too deep' : 'value too large';
    const msg = `jq sandbox limit exceeded: ${what}`;
    return new JqError(msg, msg, 'limit');
  }
  return e;
}

class Program implements JqProgram {
  constructor(
    readonly text: string,
    private readonly f: F,
    private readonly varNames: readonly string[],
    private readonly limits: JqLimits,
  ) {}

  private env(variables: Readonly<Record<string, Json>> | undefined): Env {
    let env: Env = null;
    for (const name of this.varNames) {
      const v =
        variables && Object.prototype.hasOwnProperty.call(variables, name) ? variables[name] : null;
      env = { v: v ?? null, n: env };
    }
    return env;
  }

  // begin()/end() bracket a run: the budget lives in `rt`; runs may nest (a native
  // calling back into jq), so an outer run's budget is saved and restored.
  // The common, outermost run allocates nothing here: it resets the shared counters in
  // place; only a nested run saves the outer budget in an array.
  private begin(options: RunOptions | undefined): number[] | undefined {
    const outer = running ? saveBudget() : undefined;
    running = true;
    const limits = this.limits;
    rt.steps = 0;
    rt.depth = 0;
    rt.maxSteps = limits.maxSteps;
    rt.maxDepth = limits.maxDepth;
    rt.maxLength = limits.maxLength;
    rt.now = options === undefined ? undefined : options.now;
    return outer;
  }

  run(input: Json, variables?: Readonly<Record<string, Json>>, options?: RunOptions): Json[] {
    const outer = this.begin(options);
    try {
      const env = this.varNames.length ? this.env(variables) : null;
      const f = this.f;
      if (f.one) {
        const r = f.one(input, env);
        return r === NONE ? [] : [r];
      }
      const out: Json[] = [];
      const max = this.limits.maxOutputs;
      f.gen(input, null, env, (x) => {
        if (out.length >= max) {
          const msg = `jq sandbox limit exceeded: more than ${max} outputs`;
          throw new JqError(msg, msg, 'limit');
        }
        out.push(x);
      });
      return out;
    } catch (e) {
      throw toJqError(e);
    } finally {
      end(outer);
    }
  }

  first(
    input: Json,
    variables?: Readonly<Record<string, Json>>,
    options?: RunOptions,
  ): Json | undefined {
    const one = this.f.one;
    if (one !== undefined && !running) {
      // the engine's common call: an outermost run of a single-valued expression, with
      // the budget reset in place and nothing allocated but the variable bindings
      running = true;
      const limits = this.limits;
      rt.steps = 0;
      rt.depth = 0;
      rt.maxSteps = limits.maxSteps;
      rt.maxDepth = limits.maxDepth;
      rt.maxLength = limits.maxLength;
      rt.now = options === undefined ? undefined : options.now;
      try {
        const r = one(input, this.varNames.length ? this.env(variables) : null);
        return r === NONE ? undefined : r;
      } catch (e) {
        throw toJqError(e);
      } finally {
        running = false;
      }
    }
    const outer = this.begin(options);
    try {
      const env = this.varNames.length ? this.env(variables) : null;
      const f = this.f;
      if (f.one) {
        const r = f.one(input, env);
        return r === NONE ? undefined : r;
      }
      const stop = { v: undefined as Json | undefined };
      try {
        f.gen(input, null, env, (x) => {
          stop.v = x;
          throw stop;
        });
      } catch (e) {
        if (e !== stop) throw e;
      }
      return stop.v;
    } catch (e) {
      throw toJqError(e);
    } finally {
      end(outer);
    }
  }
}

function saveBudget(): number[] {
  return [rt.steps, rt.depth, rt.maxSteps, rt.maxDepth, rt.maxLength, rt.now ?? NaN];
}

function end(outer: number[] | undefined): void {
  if (outer === undefined) {
    // the budget of the finished run stays in `rt`: nothing reads it outside a run
    running = false;
    return;
  }
  [rt.steps, rt.depth, rt.maxSteps, rt.maxDepth, rt.maxLength] = outer as [
    number,
    number,
    number,
    number,
    number,
  ];
  const now = outer[5] as number;
  rt.now = now !== now ? undefined : now;
}

/**
 * The declared variables the expression may reference: a run binds only these, so an
 * engine that declares ten variables does not build ten bindings per evaluation of
 * `.a.b`. Conservative: a name counts as used when any string in the syntax tree is that
 * name (a `$name` reference always is); binding an unused one would only cost time.
 */
function usedVariables(ast: unknown, vars: readonly string[]): readonly string[] {
  if (vars.length === 0) return vars;
  const names = new Set<string>();
  const walk = (n: unknown): void => {
    if (typeof n === 'string') names.add(n);
    else if (Array.isArray(n)) for (const x of n) walk(x);
    else if (n !== null && typeof n === 'object') for (const x of Object.values(n)) walk(x);
  };
  walk(ast);
  return vars.filter((v) => names.has(v) || names.has(`$${v}`));
}

export function compile(text: string, options: CompileOptions = {}): CompileResult {
  const vars = options.variables ?? [];
  const limits: JqLimits = { ...DEFAULT_LIMITS, ...options.limits };
  try {
    const ast = Parser.parse(text);
    const used = usedVariables(ast, vars);
    const f = new Compiler(used).compile(ast);
    return { ok: true, program: new Program(text, f, used, limits) };
  } catch (e) {
    if (e instanceof SyntaxErr)
      return { ok: false, diagnostics: [diagnostic(text, e.at, e.message)] };
    if (e instanceof RangeError)
      return { ok: false, diagnostics: [diagnostic(text, 0, 'expression nested too deeply')] };
    throw e;
  }
}
