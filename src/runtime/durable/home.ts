// The embedded store of the CLI: $WEFT_HOME/weft.db (default ./.weft/weft.db), SQLite
// with synchronous=FULL unless WEFT_SYNCHRONOUS=NORMAL (docs/guarantees.md).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openSqliteStore } from '../../store/sqlite/index.js';
import type { Store } from '../../store/types.js';

export function homeStorePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(resolve(env.WEFT_HOME ?? '.weft'), 'weft.db');
}

export function openHomeStore(env: NodeJS.ProcessEnv = process.env): Store {
  const path = homeStorePath(env);
  mkdirSync(resolve(path, '..'), { recursive: true });
  return openSqliteStore({
    path,
    synchronous: env.WEFT_SYNCHRONOUS === 'NORMAL' ? 'NORMAL' : 'FULL',
  });
}
