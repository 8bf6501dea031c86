// `--drain-ms N` of `weft worker` and `weft serve`: on SIGINT/SIGTERM the engine stops
// claiming, and the calls in flight get up to N ms to finish and have their outcomes
// recorded (DurableEngine.close({ drainMs })), so the next worker does not run them again:
// a rolling deploy then re-runs no call. A second signal stops at once.

export const defaultDrainMs = 10_000;

export const drainUsage = `  --drain-ms N            on SIGINT/SIGTERM, let the calls in flight finish for up to N ms
                          before stopping (default ${defaultDrainMs}; 0: abort them at once;
                          a second signal stops at once)
`;

/** The drain in ms, or an error message naming the flag. */
export function drainMs(value: string | undefined): number | string {
  const ms = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isInteger(ms) || ms < 0)
    return `--drain-ms takes a whole number of milliseconds (0 or more), not ${value ?? 'nothing'}`;
  return ms;
}

/** Resolves at the first SIGINT or SIGTERM. */
export function signalled(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

/** Closes `engine` with a drain of `ms`; a second signal meanwhile ends the drain. */
export async function drainThenClose(
  command: string,
  engine: { close(options?: { drainMs?: number }): Promise<void> },
  ms: number,
): Promise<void> {
  const now = () => {
    process.stderr.write(`weft ${command}: stopping now\n`);
    void engine.close();
  };
  process.once('SIGINT', now);
  process.once('SIGTERM', now);
  if (ms > 0)
    process.stderr.write(
      `weft ${command}: stopping: calls in flight may finish for up to ${ms} ms (signal again to stop now)\n`,
    );
  try {
    await engine.close({ drainMs: ms });
  } finally {
    process.off('SIGINT', now);
    process.off('SIGTERM', now);
  }
}
