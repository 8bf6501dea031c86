// The Store contract suite (STYLE.md 9): written once, run by every implementation.
// sqlite.test.ts calls `storeContract('sqlite', makeHarness)`; the PostgreSQL store
// will call it with its own harness. A harness opens the store (again after a close,
// on the same data) and removes everything at the end.

import { afterEach, beforeEach, describe } from 'vitest';
import type { Store, StoreLimits } from '../../src/store/index.js';
import { admissionContract } from './contract/admission.js';
import { cacheContract } from './contract/cache.js';
import { commitContract } from './contract/commit.js';
import { durabilityContract } from './contract/durability.js';
import { eventsContract } from './contract/events.js';
import { executionContract } from './contract/executions.js';
import { limitsContract } from './contract/limits.js';
import { retentionContract } from './contract/retention.js';
import { workContract } from './contract/work.js';
import { workflowListContract } from './contract/workflow-list.js';
import { workflowContract } from './contract/workflows.js';

export interface StoreHarness {
  open(options?: { limits?: Partial<StoreLimits> }): Promise<Store>;
  destroy(): Promise<void>;
}

export interface ContractContext {
  store: Store;
  /** Closes the current store and opens it again on the same data. */
  reopen(options?: { limits?: Partial<StoreLimits> }): Promise<Store>;
}

export type GetContext = () => ContractContext;

export function storeContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`Store contract: ${name}`, () => {
    let harness: StoreHarness;
    let ctx: ContractContext;

    beforeEach(async () => {
      harness = await makeHarness();
      const store = await harness.open();
      ctx = {
        store,
        reopen: async (options) => {
          await ctx.store.close();
          ctx.store = await harness.open(options);
          return ctx.store;
        },
      };
    });

    afterEach(async () => {
      await ctx.store.close();
      await harness.destroy();
    });

    const get: GetContext = () => ctx;
    workflowContract(get);
    workflowListContract(get);
    executionContract(get);
    commitContract(get);
    limitsContract(get);
    workContract(get);
    admissionContract(get);
    cacheContract(get);
    durabilityContract(get);
    eventsContract(get);
    retentionContract(get);
  });
}
