import { compile } from '../../../src/jq/index.js';
import type { Json, JqError, RunOptions } from '../../../src/jq/index.js';

/** All outputs of `prog` on `input`; throws when it does not compile. */
export function jq(
  prog: string,
  input: Json = null,
  vars: Record<string, Json> = {},
  options: RunOptions = {},
): Json[] {
  const c = compile(prog, { variables: Object.keys(vars) });
  if (!c.ok) throw new Error(`compile failed: ${JSON.stringify(c.diagnostics)}`);
  return c.program.run(input, vars, options);
}

/** The error a run throws, or undefined when it succeeds. */
export function jqError(prog: string, input: Json = null): JqError | undefined {
  try {
    jq(prog, input);
    return undefined;
  } catch (e) {
    return e as JqError;
  }
}
