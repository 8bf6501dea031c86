// A line on stderr for every commit the store refuses because this process no longer owns
// the execution (the engine's `execution:lost` hook): lease-lost (another worker claimed
// its run item, or the fencing token is stale: this process was paused or cut off past
// its lease) or sequence-mismatch (another writer appended first). The engine then drops
// the execution. The line lets an operator (and chaos/multi.ts, which counts them per
// worker) see the late writes that were refused. One line each:
//   weft worker: commit refused (lease-lost): execution ID: LeaseLostError: <message>
// and one for an execution this worker let go before launching a call because it could
// no longer vouch for its lease (Claims.lapsed):
//   weft worker: lease lapsed: execution ID: LeaseLapsedError: <message>
import type { DurableEngine } from '../runtime/durable/engine.js';
import { StoreInUseError } from '../store/errors.js';
import type { Store } from '../store/types.js';

/**
 * Runs `first` (the engine's recover() or serve()); when another process serves the
 * SQLite file (StoreInUseError) says so on stderr, closes the engine and store, and
 * returns exit code 2 instead.
 */
export async function unlessInUse<T>(
  command: string,
  engine: DurableEngine,
  store: Store,
  first: () => Promise<T>,
): Promise<T | 2> {
  try {
    return await first();
  } catch (error) {
    if (!(error instanceof StoreInUseError)) throw error;
    process.stderr.write(`weft ${command}: ${error.message}\n`);
    await engine.close();
    await store.close();
    return 2;
  }
}

const codes: Record<string, string> = {
  LeaseLostError: 'lease-lost',
  SequenceMismatchError: 'sequence-mismatch',
};

export function reportRefusedCommits(engine: DurableEngine, command: string): void {
  engine.on('execution:lost', ({ executionId, reason }) => {
    const name = reason.slice(0, reason.indexOf(':'));
    // not refused: this worker stopped before launching a call (Claims.lapsed)
    if (name === 'LeaseLapsedError') {
      process.stderr.write(`weft ${command}: lease lapsed: execution ${executionId}: ${reason}\n`);
      return;
    }
    const code = codes[name];
    // StoreClosedError: this process is stopping, nobody refused anything
    if (code === undefined) return;
    process.stderr.write(
      `weft ${command}: commit refused (${code}): execution ${executionId}: ${reason}\n`,
    );
  });
}
