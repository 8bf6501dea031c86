// `--retention-hours N` of `weft serve` and `weft worker`: executions that ended more than
// N hours ago are deleted with their histories while the process serves
// (DurableEngineOptions.retentionMs, docs/operations.md "Retention").

export const retentionUsage = `  --retention-hours N     delete executions that ended more than N hours ago (checked
                          each minute; default: keep them)
`;

/** The retention in ms, or an error message naming the flag. */
export function retentionMs(value: string | undefined): number | string {
  const hours = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isFinite(hours) || hours <= 0)
    return `--retention-hours takes a positive number of hours, not ${value ?? 'nothing'}`;
  return Math.max(1, Math.round(hours * 3_600_000));
}
