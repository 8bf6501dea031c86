// The jq engines the tests compare: weft's own (src/jq) and real jq 1.7.1 compiled to
// WebAssembly (jq-web 0.6.2, a devDependency).
import { createRequire } from 'node:module';

export { compile } from '../../../src/jq/index.js';

export interface JqWebResult {
  ok: boolean;
  /** The output values as text, one compact JSON per line, when ok. */
  stdout: string;
  /** 3 compile error, 5 runtime error, 2 usage. */
  exitCode: number;
  stderr: string;
}

interface JqWebModule {
  /** undefined when jq printed nothing. */
  raw(input: string, filter: string, flags?: string[]): string | undefined;
}

let jqWeb: Promise<JqWebModule> | undefined;

/** Loads jq-web: a CommonJS Emscripten module whose export is a promise of the module. */
export function loadJqWeb(): Promise<JqWebModule> {
  jqWeb ??= (createRequire(import.meta.url)('jq-web') as Promise<JqWebModule>).then((m) => m);
  return jqWeb;
}

/** Runs real jq: `echo INPUT | jq -c FILTER`. */
export function runJqWeb(jq: JqWebModule, filter: string, input: string): JqWebResult {
  try {
    return { ok: true, stdout: jq.raw(input, filter, ['-c']) ?? '', exitCode: 0, stderr: '' };
  } catch (e) {
    const err = e as { exitCode?: number; stderr?: string; message?: string };
    return {
      ok: false,
      stdout: '',
      exitCode: err.exitCode ?? -1,
      stderr: err.stderr ?? err.message ?? String(e),
    };
  }
}
