// A line on stderr for every commit the store refuses because this process no longer owns
// the execution (the engine's `execution:lost` hook): lease-lost (another worker claimed
// its run item, or the fencing token is stale: this process was paused or cut off past
// its lease) or sequence-mismatch (another writer appended first). The engine then drops
// the execution. The line lets an operator (and chaos/multi.ts, which counts them per
// worker) see the late writes that were refused. One line each:
//   weft worker: commit refused (lease-lost): execution ID: LeaseLostError: <message>
import type { DurableEngine } from '../runtime/durable/engine.js';

const codes: Record<string, string> = {
  LeaseLostError: 'lease-lost',
  SequenceMismatchError: 'sequence-mismatch',
};

export function reportRefusedCommits(engine: DurableEngine, command: string): void {
  engine.on('execution:lost', ({ executionId, reason }) => {
    const code = codes[reason.slice(0, reason.indexOf(':'))];
    // StoreClosedError: this process is stopping, nobody refused anything
    if (code === undefined) return;
    process.stderr.write(
      `weft ${command}: commit refused (${code}): execution ${executionId}: ${reason}\n`,
    );
  });
}
