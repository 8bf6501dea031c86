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
  /**
   * Running executions at most per namespace, across every worker on the store
   * (docs/operations.md "Limits"), e.g. `{ billing: 20 }`. Applies to executions started
   * through this engine; keep the same value on every process that starts executions.
   */
  namespaceLimits?: Readonly<Record<string, number>>;
  /** How far back a `listen` finds events sent before it was reached; older stored events
   *  are pruned (docs/guarantees.md "Events"). Default 3 600 000 (1 hour). */
  eventRetentionMs?: number;
  /** How often the engine reads the events log without a wake-up. Default 1000 ms. */
  eventPollMs?: number;
  /** This process as a worker: name, lease, capacity, polling (claims.ts). */
  worker?: WorkerOptions;
  /**
   * Retention: while this engine serves (serve()), executions that ended (completed,
   * faulted, cancelled) more than this many ms ago are deleted with their histories,
   * checked once a minute (docs/operations.md "Retention"). Default: kept forever.
   */
  retentionMs?: number;
}
