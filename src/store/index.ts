// The store layer's public surface: the Store interface and its records, its errors,
// limits, and the SQLite implementation (the embedded default).
export type * from './types.js';
export { terminalStates } from './types.js';
export * from './errors.js';
export { defaultLimits, resolveLimits, type StoreLimits } from './limits.js';
export {
  BackupError,
  backupSqlite,
  openSqliteStore,
  SqliteStore,
  type BackupResult,
  type SqliteStoreOptions,
} from './sqlite/index.js';
export type { Synchronous } from './sqlite/open.js';
export * from './postgres/index.js';
export { StoreHistoryAdapter, statusOf, type HistoryAdapterOptions } from './history-adapter.js';
