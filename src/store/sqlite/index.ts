export { openSqliteStore, SqliteStore, type SqliteStoreOptions } from './store.js';
export type { Synchronous } from './open.js';
export type { WriterStats } from './writer.js';
export { BackupError, backupSqlite, type BackupResult } from './backup.js';
