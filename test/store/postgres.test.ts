// Runs the Store contract suite on the PostgreSQL store: a real server (pg-helpers.ts),
// one fresh schema per test, dropped afterwards.

import { storeContract } from './contract.js';
import { describePg, dropSchema, freshSchema, openTestStore, pgUnavailable } from './pg-helpers.js';

const unavailable = await pgUnavailable();

describePg('Store contract: postgres', unavailable, () => {
  storeContract('postgres', async () => {
    const schema = freshSchema();
    return {
      open: async (options) => openTestStore(schema, options),
      destroy: async () => dropSchema(schema),
    };
  });
});
