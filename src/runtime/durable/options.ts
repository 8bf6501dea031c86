// Options and defaults of the durable engine (docs/guarantees.md "Limits" and "Recovery").
import type { EngineOptions } from '../engine.js';
import type { Store } from '../../store/types.js';
import type { WorkerOptions } from './claims.js';

export interface DurableLimits {
  /** Deepest chain of sub-workflows (a top-level execution has depth 0). Default 16. */
  maxDepth: number;
  /** Recoveries without progress before an execution is parked as dead-letter. Default 5. */
  maxRecoveryAttempts: number;
  /** A recovered execution that stays alive this long counts as recovered (its attempt
   *  counter goes back to 0) even when it made no step, e.g. it waits for a timer. Default 2000 ms. */
  recoveryGraceMs: number;
}

export const defaultDurableLimits: DurableLimits = {
  maxDepth: 16,
  maxRecoveryAttempts: 5,
  recoveryGraceMs: 2000,
};

export interface DurableEngineOptions extends Omit<EngineOptions, 'store'> {
  /** Where workflows, executions and histories live (SQLite: openSqliteStore). */
  store: Store;
  limits?: Partial<DurableLimits>;
  /** This process as a worker: name, lease, capacity, polling (claims.ts). */
  worker?: WorkerOptions;
}
