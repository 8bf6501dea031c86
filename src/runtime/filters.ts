// Event filters of `listen` (and of the consumption strategies one/any/all): an event
// matches a filter when every attribute in `with` matches (equal JSON, or for a string,
// when the attribute is a string the filter's value matches as a whole regular
// expression: the DSL allows regular expressions there), and every `correlate` key
// agrees: `from` (jq, evaluated on the event) must equal `expect` when given, else the
// value the first matching event had for that key.
import type { CloudEvent, Json } from '../history/events.js';
import type { CompileResult } from '../jq/api.js';

export type JqCompiler = (
  text: string,
  options?: { variables?: readonly string[] },
) => CompileResult;

type Obj = { [k: string]: Json };

function isObj(v: Json | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function equal(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  const ka = Object.keys(a as Obj);
  const kb = Object.keys(b as Obj);
  return ka.length === kb.length && ka.every((k) => equal((a as Obj)[k], (b as Obj)[k]));
}

function attributeMatches(expected: Json, actual: Json | undefined): boolean {
  if (equal(expected, actual)) return true;
  if (isObj(expected) && isObj(actual))
    return Object.entries(expected).every(([k, v]) => attributeMatches(v, actual[k]));
  if (typeof expected === 'string' && typeof actual === 'string') {
    try {
      return new RegExp(`^(?:${expected})$`).test(actual);
    } catch {
      return false;
    }
  }
  return false;
}

export interface CompiledFilter {
  matches(event: CloudEvent): boolean;
}

/** Compiles one filter ({with, correlate}); throws naming a correlate expression that does
 *  not compile. Filters of one listen share `seen`: a correlation key set by one event
 *  binds every filter of the strategy. */
export function compileFilter(
  filter: Json,
  jq: JqCompiler,
  seen = new Map<string, Json>(),
): CompiledFilter {
  const f = isObj(filter) ? filter : {};
  const attrs = isObj(f.with) ? f.with : {};
  const correlations: { key: string; run: (e: Json) => Json | undefined; expect?: Json }[] = [];
  if (isObj(f.correlate)) {
    for (const [key, c] of Object.entries(f.correlate)) {
      if (!isObj(c) || typeof c.from !== 'string')
        throw new Error(`correlate.${key}.from must be a jq expression`);
      const text = c.from.trim().replace(/^\$\{([\s\S]*)\}$/, '$1');
      const compiled = jq(text);
      if (!compiled.ok)
        throw new Error(
          `correlate.${key}.from does not compile: ${compiled.diagnostics[0]?.message ?? ''}`,
        );
      const program = compiled.program;
      correlations.push({
        key,
        run: (e) => {
          try {
            return program.first(e);
          } catch {
            return undefined;
          }
        },
        ...(c.expect !== undefined ? { expect: c.expect } : {}),
      });
    }
  }
  return {
    matches(event) {
      for (const [k, v] of Object.entries(attrs)) if (!attributeMatches(v, event[k])) return false;
      const values: [string, Json][] = [];
      for (const c of correlations) {
        const value = c.run(event as Json);
        if (value === undefined) return false;
        const want = c.expect ?? seen.get(c.key);
        if (want !== undefined && !equal(want, value)) return false;
        values.push([c.key, value]);
      }
      for (const [k, v] of values) if (!seen.has(k)) seen.set(k, v);
      return true;
    },
  };
}

/** All the filters of a resolved strategy ({one} | {any: [...]} | {all: [...]}). */
export function strategyFilters(strategy: Json): Json[] {
  if (!isObj(strategy)) return [];
  if (strategy.one !== undefined) return [strategy.one];
  if (Array.isArray(strategy.any)) return strategy.any;
  if (Array.isArray(strategy.all)) return strategy.all;
  return [];
}
