// One worker SIGSTOPped past its lease, then SIGCONT (chaos/multi-run.ts). While it is
// stopped its heartbeat thread is stopped too, so its leases lapse and the other workers
// claim its executions (new fencing tokens); after SIGCONT its writes on them must be
// refused. What it held is read from the work table right after the SIGSTOP (the process
// cannot change it then), what was taken over just before the SIGCONT.
import { sqlRetrying } from './pg.js';
import type { WeftProc } from './procs.js';

export interface StopReport {
  name: string;
  incarnation: number;
  stoppedAt: number;
  stoppedMs: number;
  /** Executions whose work it held (claimed_by = its name) when stopped. */
  held: number;
  heldIds: string[];
  /** Of those, how many another worker claimed (new fence) or finished while it was stopped. */
  takenOver: number;
  continuedAt: number;
  /** Its refused commits after SIGCONT on the executions it held. */
  lateWritesRefused?: number;
  /** Refused commits of OTHER workers on those executions after SIGCONT, by kind below. */
  othersRefusedOnHeld?: number;
  /** Those refusals by kind (lease-lost, sequence-mismatch, ...). */
  othersRefusedOnHeldBy?: string;
  /** Those of them not for a lost lease: a late write of the stopped worker that got
   *  through would take the new owner's sequence number, and the new owner, who holds the
   *  lease, would be refused for the sequence. Must be 0. A lost lease is no sign of it:
   *  when PostgreSQL restarts for longer than a lease (chaos/multi.ts restarts it, often
   *  while the worker is stopped), every worker's leases lapse and the others take over
   *  from each other too. */
  othersOutOfTurnOnHeld?: number;
  /** All its refused commits after SIGCONT (held executions or not). */
  refusedAfterContinue?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function stopPastLease(
  victim: WeftProc,
  db: { connectionString: string; schema: string },
  leaseMs: number,
  log: (line: string) => void,
): Promise<StopReport> {
  const work = `"${db.schema}".work`;
  victim.signal('SIGSTOP');
  const stoppedAt = Date.now();
  const rows = await sqlRetrying<{ execution_id: string; key: string; fence: string }>(
    db.connectionString,
    `SELECT execution_id, key, fence FROM ${work} WHERE claimed_by = $1`,
    [victim.name],
  );
  const heldIds = [...new Set(rows.map((r) => r.execution_id))];
  log(`stopped ${victim.name}#${victim.incarnation} holding ${heldIds.length} executions`);
  // past the lease: the lease, the other workers' claim polling, and margin
  await sleep(3 * leaseMs + 2000);
  const now = await sqlRetrying<{ execution_id: string; key: string; fence: string }>(
    db.connectionString,
    `SELECT execution_id, key, fence FROM ${work} WHERE execution_id = ANY($1)`,
    [heldIds],
  ).catch((error: unknown) => {
    victim.signal('SIGCONT'); // never leave it stopped
    throw error;
  });
  const fenceNow = new Map(now.map((r) => [`${r.execution_id}/${r.key}`, r.fence]));
  const taken = new Set(
    rows
      .filter((r) => fenceNow.get(`${r.execution_id}/${r.key}`) !== r.fence)
      .map((r) => r.execution_id),
  );
  victim.signal('SIGCONT');
  const continuedAt = Date.now();
  log(`continued ${victim.name} after ${continuedAt - stoppedAt} ms; ${taken.size} taken over`);
  return {
    name: victim.name,
    incarnation: victim.incarnation,
    stoppedAt,
    stoppedMs: continuedAt - stoppedAt,
    held: heldIds.length,
    heldIds,
    takenOver: taken.size,
    continuedAt,
  };
}
