// Rows as the PostgreSQL store reads them. The columns are those of the SQLite store
// (bigints come back as numbers: see open.ts), so the mapping to records is shared.

export {
  toExecution,
  toWorkflow,
  toWorkItem,
  type ExecutionRow,
  type WorkflowRow,
  type WorkRow,
} from '../sqlite/rows.js';
import type { WorkRow } from '../sqlite/rows.js';
import { toWorkItem } from '../sqlite/rows.js';
import type { WorkItem } from '../types.js';

export interface PgWorkRow extends WorkRow {
  rank: number;
  fence: number;
  available_at: number;
  /** A claim's token before it (claimPicked): 0 for the item's first claim. */
  prior_fence?: number;
  /** The payload the claim took (claimPicked leaves none in the row). */
  prior_payload?: string | null;
  /** Who held the item until this claim took it (its lease lapsed); null when free. */
  prior_claimed_by?: string | null;
}

/** A claimed work item with its fencing token (see PostgresStore.claimFenced). */
export interface FencedWorkItem extends WorkItem {
  fence: number;
  /** The worker whose lapsed lease this claim took over; absent when the item was free. */
  priorHolder?: string;
}

export function toFencedWorkItem(row: PgWorkRow): FencedWorkItem {
  const claimed = row.prior_payload === undefined ? row : { ...row, payload: row.prior_payload };
  const item: FencedWorkItem = { ...toWorkItem(claimed), fence: row.fence };
  if (row.prior_fence === 0) item.firstClaim = true;
  if (row.prior_claimed_by) item.priorHolder = row.prior_claimed_by;
  return item;
}
