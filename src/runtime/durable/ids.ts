// Execution ids: UUID version 7 (RFC 9562), a 48-bit millisecond timestamp then random
// bits, so ids made close in time sort close together. The store keys its history and
// executions by id (B-trees); with random (v4) ids every step of 1,000 concurrent
// executions dirtied a different page, and one group commit wrote and fsynced megabytes
// of WAL. Measured (bench/engine/run.ts, throughput, 2 cores): see docs/benchmarks.md.
import { randomUUID } from 'node:crypto';

/** A fresh UUIDv7: time-ordered to the millisecond, 74 random bits (from randomUUID). */
export function timeOrderedId(now: number = Date.now()): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx, V the variant
  const ms = now.toString(16).padStart(12, '0').slice(-12);
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${random.slice(15)}`;
}
