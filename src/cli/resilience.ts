// Long-running commands (weft worker, weft serve) outlive database restarts. A retryable
// store error (StoreBusyError: the connection was lost, the outcome of a COMMIT unknown)
// that reaches no handler must not end the process: every such path resumes from the store
// (the execution's claim lapses and it is resumed from history). It is reported with its
// stack so the path can be found and given a handler; anything else still ends the process.
// Seen in the multi-process chaos run during a PostgreSQL restart (docs/operations.md).
import { StoreError } from '../store/errors.js';

export function surviveStoreOutages(command: string): void {
  process.on('unhandledRejection', (reason: unknown) => {
    if (reason instanceof StoreError && reason.retryable) {
      process.stderr.write(
        `${command}: a store operation failed and nothing handled it (continuing): ${reason.stack ?? String(reason)}\n`,
      );
      return;
    }
    throw reason;
  });
}
