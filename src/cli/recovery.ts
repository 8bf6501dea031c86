// `--max-recovery-attempts N` of `weft serve` and `weft worker`: how many recoveries in a
// row without progress park an execution as dead-letter (DurableEngineOptions.limits
// .maxRecoveryAttempts, docs/guarantees.md "Recovery"). A recovery is a claim of an
// execution whose last holder stopped without ending it: a crash, a kill, or a lease that
// lapsed. Where processes are killed often by design (the chaos runs), or leases lapse in
// a long database outage, a higher bound keeps executions that did nothing wrong running.

export const recoveryUsage = `  --max-recovery-attempts N
                          recoveries in a row without progress before an execution is
                          parked as dead-letter (default 5)
`;

/** The bound, or an error message naming the flag. */
export function maxRecoveryAttempts(value: string | undefined): number | string {
  const n = Number(value);
  if (value === undefined || !Number.isSafeInteger(n) || n < 1)
    return `--max-recovery-attempts takes a positive integer, not ${value ?? 'nothing'}`;
  return n;
}
