// A line on stderr for every commit the store refuses because this process no longer owns
// the execution: LeaseLostError (another worker claimed its work item, or the fencing
// token is stale: this process was paused or cut off past its lease) or
// SequenceMismatchError (another writer appended first). The engine then drops the
// execution; the line lets an operator (and chaos/multi.ts, which counts them per worker)
// see the late writes that were refused. Format, one line each:
//   weft worker: commit refused (lease-lost): execution ID: <the store's message>
import { LeaseLostError, SequenceMismatchError } from '../store/errors.js';
import type { Store } from '../store/types.js';

export function reportRefusedCommits(store: Store, command: string): void {
  const commit = store.commit.bind(store);
  store.commit = async (batch) => {
    try {
      return await commit(batch);
    } catch (e) {
      if (e instanceof LeaseLostError || e instanceof SequenceMismatchError)
        process.stderr.write(
          `weft ${command}: commit refused (${e.code}): execution ${e.executionId}: ${e.message}\n`,
        );
      throw e;
    }
  };
}
