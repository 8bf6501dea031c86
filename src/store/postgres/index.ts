export { openPostgresStore, PostgresStore } from './store.js';
export { defaultIdleInTransactionMs, type PostgresStoreOptions } from './open.js';
export type { FencedWorkItem } from './rows.js';
export type { FencedLease } from './writes.js';
export type { CommitterStats } from './committer.js';
export type { WorkCallback } from './listener.js';
export { LeaseHeartbeat, type HeartbeatOptions } from './heartbeat.js';
