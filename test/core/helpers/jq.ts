// A stand-in jq for the core tests until src/jq lands: @michaelhomer/jqjs behind the
// src/jq/api.ts interface. Switch to src/jq/index.ts when it exists.
import { compileNode } from '@michaelhomer/jqjs';
import type { CompileOptions, CompileResult, Json, JqProgram } from '../../../src/jq/api.js';
import { JqError } from '../../../src/jq/api.js';

export function testJq(text: string, _options?: CompileOptions): CompileResult {
  let node: { apply(input: unknown, conf: unknown): Iterable<unknown> };
  try {
    node = compileNode(text) as typeof node;
  } catch (e) {
    return { ok: false, diagnostics: [{ line: 1, col: 1, offset: 0, message: String(e) }] };
  }
  const run = (input: Json, variables: Readonly<Record<string, Json>> = {}): Json[] => {
    const vars: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(variables)) vars[k] = v;
    try {
      return [...node.apply(input, { userFuncArgs: {}, variables: vars })] as Json[];
    } catch (e) {
      throw new JqError(e instanceof Error ? e.message : String(e));
    }
  };
  const program: JqProgram = { text, run, first: (input, variables) => run(input, variables)[0] };
  return { ok: true, program };
}
