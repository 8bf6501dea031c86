// Waits for a condition by yielding to the event loop (no wall-clock assertions: the
// bound is a number of turns, generous enough for local sockets).
export async function until(cond: () => boolean, what: string, turns = 5000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`gave up waiting for ${what}`);
}
