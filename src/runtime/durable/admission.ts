// What a start stores for admission (docs/operations.md "Limits"): the execution's
// priority and its scoped concurrency and rate keys, from the workflow's `limits`
// extension (docs/extensions.md), the engine's namespace limits and the start request.
// Pure: jq on the input, no IO. Keys are scoped so that workflows and namespaces never
// share a key by accident:
//
//   wf:<namespace>/<name>           a limit without `key`
//   wf:<namespace>/<name>:<json>    a keyed limit; <json> is the key's value as JSON
//   ns:<namespace>                  DurableEngineOptions.namespaceLimits
//
// A rate key ends with its period (`wf:t/order:"c1"/60000ms`), so one key can have a
// limit per second and another per minute.
// Keys are per workflow name, not version: versions share their slots.
import { JqError } from '../../jq/api.js';
import type { Expr, Json, LimitIR, WorkflowIR } from '../../dsl/ir.js';
import type { WorkflowRef } from '../../history/events.js';
import { ProblemError, problem } from '../problems.js';

export interface Admission {
  priority: number;
  concurrency: { key: string; limit: number }[];
  rate: { key: string; limit: number; periodMs: number }[];
}

export interface AdmissionOptions {
  /** The start request's priority: overrides the workflow's default. */
  priority?: number;
  /** Running executions at most per namespace. */
  namespaceLimits?: Readonly<Record<string, number>>;
}

function keyError(ref: WorkflowRef, entry: LimitIR, expr: Expr, why: string): ProblemError {
  const at = `${entry.path}/key`;
  return new ProblemError(
    problem(
      'validation',
      'Invalid limit key',
      `workflow ${ref.namespace}/${ref.name}:${ref.version}: limit key '${expr.text}' at ${at} ${why}`,
      { status: 422, field: at },
    ),
    false,
  );
}

function keyOf(ref: WorkflowRef, entry: LimitIR, input: Json): string {
  const scope = `wf:${ref.namespace}/${ref.name}`;
  const expr = entry.key;
  if (!expr) return scope;
  if (!expr.program) throw keyError(ref, entry, expr, `does not compile: ${expr.error ?? ''}`);
  let value: Json | undefined;
  try {
    value = expr.program.first(input, { input });
  } catch (e) {
    throw keyError(ref, entry, expr, `failed: ${e instanceof JqError ? e.message : String(e)}`);
  }
  if (value === undefined) throw keyError(ref, entry, expr, 'yields nothing');
  if (value === null || typeof value === 'object') {
    const got = value === null ? 'null' : Array.isArray(value) ? 'a list' : 'a mapping';
    throw keyError(ref, entry, expr, `must yield a string, number or boolean, got ${got}`);
  }
  return `${scope}:${JSON.stringify(value)}`;
}

/** Keeps each key once, with its lowest limit (two entries may yield the same key). */
function lowest<T extends { key: string; limit: number }>(entries: T[]): T[] {
  const byKey = new Map<string, T>();
  for (const e of entries) {
    const seen = byKey.get(e.key);
    if (!seen || e.limit < seen.limit) byKey.set(e.key, e);
  }
  return [...byKey.values()];
}

export function admissionOf(
  ir: WorkflowIR,
  ref: WorkflowRef,
  input: Json,
  options: AdmissionOptions = {},
): Admission {
  const limits = ir.limits;
  const concurrency = (limits?.concurrency ?? []).map((e) => ({
    key: keyOf(ref, e, input),
    limit: e.limit,
  }));
  const nsLimit = options.namespaceLimits?.[ref.namespace];
  if (nsLimit !== undefined) concurrency.push({ key: `ns:${ref.namespace}`, limit: nsLimit });
  const rate = (limits?.rate ?? []).map((e) => ({
    key: `${keyOf(ref, e, input)}/${e.periodMs}ms`,
    limit: e.limit,
    periodMs: e.periodMs,
  }));
  return {
    priority: options.priority ?? limits?.priority ?? 0,
    concurrency: lowest(concurrency),
    rate: lowest(rate),
  };
}

/** DurableEngineOptions.namespaceLimits: each a positive integer, or a RangeError. */
export function checkNamespaceLimits(
  limits: Readonly<Record<string, number>> = {},
): Readonly<Record<string, number>> {
  for (const [namespace, limit] of Object.entries(limits)) {
    if (!Number.isSafeInteger(limit) || limit <= 0) {
      throw new RangeError(
        `namespaceLimits.${namespace} must be a positive integer, got ${String(limit)}`,
      );
    }
  }
  return { ...limits };
}
