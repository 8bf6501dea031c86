// When a multi-process chaos run finds a suspect execution (an effect re-run after its
// result was recorded, two writers in one history), this prints what is needed to find
// out why: its history (seq, type, time), every ledger call of its effects (which worker
// process, when) and every refused commit of it (which worker, why, when).
import type { Store } from '../src/store/types.js';
import type { LedgerCall } from './ledger.js';
import type { Refusal } from './procs.js';

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23);

export async function explain(
  store: Store,
  ids: readonly string[],
  calls: readonly LedgerCall[],
  refusals: readonly Refusal[],
  log: (line: string) => void,
): Promise<void> {
  for (const id of ids.slice(0, 5)) {
    log(`suspect execution ${id}:`);
    for (const { seq, event } of await store.loadHistory(id)) {
      const detail = 'effectId' in event ? ` effect ${event.effectId}` : '';
      log(`  history ${seq} ${event.type}${detail} at ${clock(event.time)}`);
    }
    for (const c of calls.filter((x) => x.key?.startsWith(`${id}/`)))
      log(`  ledger call ${c.step} by ${c.by} at ${clock(c.at)}`);
    for (const r of refusals.filter((x) => x.executionId === id))
      log(`  refused commit of ${r.name}.${r.incarnation} (${r.code}) at ${clock(r.at)}`);
  }
}
