// The migrations, numbered and append-only (STYLE.md 8): SQL applied in order, each in
// its own transaction with its row in weft_migrations (a migration that must change
// several things at once, such as a table rebuild, runs several statements in that one
// transaction). Never edit or reorder a released migration; add the next number instead.

import { sql as m0001 } from './0001_workflows.js';
import { sql as m0002 } from './0002_executions.js';
import { sql as m0003 } from './0003_executions_by_state.js';
import { sql as m0004 } from './0004_executions_by_created.js';
import { sql as m0005 } from './0005_executions_by_parent.js';
import { sql as m0006 } from './0006_history.js';
import { sql as m0007 } from './0007_work.js';
import { sql as m0008 } from './0008_work_by_due.js';
import { sql as m0009 } from './0009_effect_cache.js';
import { sql as m0010 } from './0010_work_available_at.js';
import { sql as m0011 } from './0011_work_available_at_backfill.js';
import { sql as m0012 } from './0012_work_by_claim_order.js';
import { sql as m0013 } from './0013_work_by_available.js';
import { sql as m0014 } from './0014_events.js';
import { sql as m0015 } from './0015_limits.js';
import { sql as m0016, refuse as r0016 } from './0016_history_by_key.js';
import { sql as m0017 } from './0017_work_without_claim_order.js';

export interface Migration {
  id: number;
  name: string;
  sql: string;
  /**
   * A query run before `sql`: a row (one text column) is why this file cannot take the
   * migration, and the open fails with it, changing nothing.
   */
  refuse?: string;
}

export const migrations: readonly Migration[] = [
  { id: 1, name: 'workflows', sql: m0001 },
  { id: 2, name: 'executions', sql: m0002 },
  { id: 3, name: 'executions_by_state', sql: m0003 },
  { id: 4, name: 'executions_by_created', sql: m0004 },
  { id: 5, name: 'executions_by_parent', sql: m0005 },
  { id: 6, name: 'history', sql: m0006 },
  { id: 7, name: 'work', sql: m0007 },
  { id: 8, name: 'work_by_due', sql: m0008 },
  { id: 9, name: 'effect_cache', sql: m0009 },
  { id: 10, name: 'work_available_at', sql: m0010 },
  { id: 11, name: 'work_available_at_backfill', sql: m0011 },
  { id: 12, name: 'work_by_claim_order', sql: m0012 },
  { id: 13, name: 'work_by_available', sql: m0013 },
  { id: 14, name: 'events', sql: m0014 },
  { id: 15, name: 'limits', sql: m0015 },
  { id: 16, name: 'history_by_key', sql: m0016, refuse: r0016 },
  { id: 17, name: 'work_without_claim_order', sql: m0017 },
];
