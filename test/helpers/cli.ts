import { spawnSync } from 'node:child_process';

/** Runs the CLI from source, as `weft ARGS`, and returns its exit code and output. */
export function weft(
  args: string[],
  options: { input?: string; env?: Record<string, string>; cwd?: string } = {},
) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', new URL('../../src/cli/entry.ts', import.meta.url).pathname, ...args],
    {
      input: options.input,
      encoding: 'utf8',
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
