// The jq compiler the IR compiler uses by default: src/jq (one place to switch).
import type { CompileOptions, CompileResult } from '../jq/api.js';

export function defaultJq(text: string, _options?: CompileOptions): CompileResult {
  return {
    ok: false,
    diagnostics: [{ line: 1, col: 1, offset: 0, message: `jq is not available yet for '${text}'` }],
  };
}
