// Names a document defines in `use` and the check that references to them resolve.
// The schema cannot see these: `retry: default` is a valid string whether or not
// `use.retries.default` exists.
import type { Context } from './validate-context.js';
import { isObject } from './validate-context.js';
import type { Scope } from './expressions.js';
import { didYouMean } from './suggest.js';

export type UseKind =
  'errors' | 'retries' | 'timeouts' | 'authentications' | 'functions' | 'secrets';

const WHAT: Record<UseKind, string> = {
  errors: 'error',
  retries: 'retry policy',
  timeouts: 'timeout',
  authentications: 'authentication policy',
  functions: 'function',
  secrets: 'secret',
};

export type UseNames = Record<UseKind, Set<string>>;

export function collectUseNames(doc: unknown): UseNames {
  const use = isObject(doc) && isObject(doc.use) ? doc.use : {};
  const names = (v: unknown) => new Set(isObject(v) ? Object.keys(v) : []);
  return {
    errors: names(use.errors),
    retries: names(use.retries),
    timeouts: names(use.timeouts),
    authentications: names(use.authentications),
    functions: names(use.functions),
    secrets: new Set(
      Array.isArray(use.secrets) ? use.secrets.filter((s) => typeof s === 'string') : [],
    ),
  };
}

/** What every check function needs: where to report, and what `use` defines. */
export interface Validation {
  ctx: Context;
  use: UseNames;
  /** Checks a nested task list (passed in to keep the task files free of cycles). */
  taskList: (v: unknown, path: string, name: string, scope: Scope) => void;
}

/** A check that also knows the expression scope at its place. */
export type ScopedCheck = (v: unknown, path: string, name: string, scope: Scope) => void;

export function checkReference(
  val: Validation,
  ref: string,
  path: string,
  name: string,
  kind: UseKind,
): void {
  const defined = val.use[kind];
  if (defined.has(ref)) return;
  const what = WHAT[kind];
  const list = kind === 'secrets' ? 'use.secrets' : `use.${kind}`;
  val.ctx.report(
    path,
    `'${name}' refers to ${what} '${ref}', which is not defined in ${list}${didYouMean(ref, defined)}`,
  );
}
