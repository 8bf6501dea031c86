// A small flag parser for the client commands: `--name value`, `--name=value`, boolean
// flags, positionals. Unknown flags are errors (the caller names the allowed ones).
export interface Parsed {
  flags: Map<string, string | true>;
  positionals: string[];
}

export function parseFlags(
  args: string[],
  valued: readonly string[],
  booleans: readonly string[] = [],
): Parsed | string {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (booleans.includes(name)) {
      flags.set(name, true);
    } else if (valued.includes(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (value === undefined) return `--${name} needs a value`;
      flags.set(name, value);
    } else {
      return `unknown option '${a}'`;
    }
  }
  return { flags, positionals };
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** JSON text or @file (JSON). */
export async function jsonArg(spec: string): Promise<unknown> {
  if (spec.startsWith('@')) {
    const { readFileSync } = await import('node:fs');
    return JSON.parse(readFileSync(spec.slice(1), 'utf8')) as unknown;
  }
  return JSON.parse(spec) as unknown;
}

/** Runs a client command: a WeftApiError prints its problem JSON on stderr, exit 1. */
export async function guard(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    const problem = (e as { problem?: unknown }).problem;
    process.stderr.write(
      problem
        ? JSON.stringify(problem, null, 2) + '\n'
        : `weft: ${e instanceof Error ? e.message : String(e)}\n`,
    );
    return 1;
  }
}

export const out = (value: unknown) => process.stdout.write(JSON.stringify(value, null, 2) + '\n');
