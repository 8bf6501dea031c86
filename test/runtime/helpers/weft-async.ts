// Runs `weft ARGS` from source without blocking the test process's event loop (needed
// when the workflow calls a stand-in server that lives in the test process: spawnSync
// would deadlock it).
import { spawn } from 'node:child_process';

export function weftAsync(
  args: string[],
  options: { env?: Record<string, string> } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', new URL('../../../src/cli/entry.ts', import.meta.url).pathname, ...args],
      { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
