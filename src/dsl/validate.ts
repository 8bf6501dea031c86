// weft's validator for DSL 1.0 documents (plus weft's extensions). It reports every
// problem at once, each with a JSON pointer, line:col and a message a person can act
// on; it mirrors workflow.schema.yaml (1.0.0 .. 1.0.3) and adds the checks the schema
// cannot make (references, `then` targets, unique task names, expressions). The
// oracle test (test/dsl/oracle.test.ts) holds it to the official schema's verdict.
//
// Where weft is stricter than the schema (each has a fixture saying so):
//   - `document.dsl` must be 1.0.0 .. 1.0.3 (the schema takes any semantic version);
//   - unknown top-level properties are errors (the schema allows them; they are
//     nearly always typos such as `inputs:`);
//   - the semantic checks above.
import type { Diagnostic } from './diagnostic.js';
import { ROOT_SCOPE } from './expressions.js';
import type { Positions } from './parse.js';
import { Context, isObject, sub } from './validate-context.js';
import type { Check, ValidateOptions } from './validate-context.js';
import { checkDataFlow } from './validate-dataflow.js';
import { checkLimits } from './validate-limits.js';
import {
  checkErrorDefinition,
  checkRetryPolicy,
  checkTimeout,
  checkTimeoutOrReference,
} from './validate-errors.js';
import { checkConsumptionStrategy } from './validate-events.js';
import type { Validation } from './validate-refs.js';
import { collectUseNames } from './validate-refs.js';
import { checkAuthenticationPolicy, checkEndpoint } from './validate-resources.js';
import { checkTask, checkTaskList } from './validate-tasks.js';
import { checkDuration, checkExpression } from './validate-values.js';

export type { ValidateOptions } from './validate-context.js';

/** The DSL versions weft reads. */
export const SUPPORTED_DSL_VERSIONS: readonly string[] = ['1.0.0', '1.0.1', '1.0.2', '1.0.3'];

// Semantic version 2.0.0 (the schema's pattern).
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
// Namespace and name: like a DNS label.
const LABEL = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

/** Validates one parsed document; `positions` (from parse) give line:col. */
export function validate(
  doc: unknown,
  options: ValidateOptions & { positions?: Positions } = {},
): Diagnostic[] {
  const ctx = new Context(options.positions, options);
  const val: Validation = {
    ctx,
    use: collectUseNames(doc),
    taskList: (v, path, name, scope) => checkTaskList(val, v, path, name, scope),
  };
  if (!isObject(doc)) {
    ctx.report(
      '',
      `a workflow document must be a mapping with 'document' and 'do', got ${doc === null ? 'nothing' : Array.isArray(doc) ? 'a list' : `a ${typeof doc}`}`,
    );
    return ctx.diagnostics;
  }
  try {
    checkWorkflow(val, doc);
  } catch (e) {
    // Only reachable when a caller passes a value deeper than the parser lets through
    // (parse limits nesting to maxDepth); never let it escape as a crash.
    if (!(e instanceof RangeError)) throw e;
    ctx.report('', 'document is nested too deeply to validate');
  }
  return ctx.diagnostics;
}

function checkWorkflow(val: Validation, doc: Record<string, unknown>): void {
  const { ctx } = val;
  const scope = ROOT_SCOPE;
  ctx.object(doc, '', '', {
    required: ['document', 'do'],
    props: {
      document: (v, p, n) => checkHeader(val, v, p, n),
      input: (v, p, n) => checkDataFlow(val, v, p, n, scope, 'from'),
      use: (v, p, n) => checkUse(val, v, p, n),
      do: (v, p, n) => checkTaskList(val, v, p, n, scope),
      timeout: (v, p, n) => checkTimeoutOrReference(val, v, p, n, scope),
      output: (v, p, n) => checkDataFlow(val, v, p, n, scope, 'as'),
      schedule: (v, p, n) =>
        ctx.object(v, p, n, {
          props: {
            every: (x, q, m) => checkDuration(val, x, q, m, scope),
            cron: (x, q, m) => ctx.string(x, q, m),
            after: (x, q, m) => checkDuration(val, x, q, m, scope),
            on: (x, q, m) => checkConsumptionStrategy(val, x, q, m, scope),
          },
        }),
    },
    extensions: { limits: checkLimits(val) },
  });
}

function checkHeader(val: Validation, v: unknown, path: string, name: string): void {
  const { ctx } = val;
  const str: Check = (x, p, n) => ctx.string(x, p, n);
  const semver = (x: unknown, p: string, n: string): boolean => {
    if (!ctx.string(x, p, n)) return false;
    if (SEMVER.test(x)) return true;
    ctx.report(p, `'${n}' must be a semantic version like 1.0.0, got '${x}'`);
    return false;
  };
  const label: Check = (x, p, n) => {
    if (ctx.string(x, p, n) && !LABEL.test(x)) {
      ctx.report(
        p,
        `'${n}' must be 1 to 63 letters, digits or '-', starting and ending with a letter or digit, got '${x}'`,
      );
    }
  };
  ctx.object(v, path, name, {
    required: ['dsl', 'namespace', 'name', 'version'],
    props: {
      dsl: (x, p, n) => {
        if (semver(x, p, n) && !SUPPORTED_DSL_VERSIONS.includes(x as string)) {
          ctx.report(
            p,
            `'${n}' is '${String(x)}'; weft reads DSL versions ${SUPPORTED_DSL_VERSIONS[0]} through ${SUPPORTED_DSL_VERSIONS.at(-1)}`,
          );
        }
      },
      namespace: label,
      name: label,
      version: semver,
      title: str,
      summary: str,
      tags: (x, p, n) => ctx.expectObject(x, p, n),
      metadata: (x, p, n) => ctx.expectObject(x, p, n),
    },
  });
}

/** A mapping of names to definitions, each checked by `each`. */
function named(val: Validation, each: Check): Check {
  return (v, path, name) => {
    if (!val.ctx.expectObject(v, path, name)) return;
    for (const [key, item] of Object.entries(v)) {
      each(item, `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, sub(name, key));
    }
  };
}

function checkUse(val: Validation, v: unknown, path: string, name: string): void {
  const { ctx } = val;
  const scope = ROOT_SCOPE;
  ctx.object(v, path, name, {
    props: {
      authentications: named(val, (x, p, n) => checkAuthenticationPolicy(val, x, p, n)),
      errors: named(val, (x, p, n) => checkErrorDefinition(val, x, p, n, scope)),
      extensions: (x, p, n) => {
        if (!Array.isArray(x)) {
          ctx.report(p, `'${n}' must be a list of named extensions`);
          return;
        }
        x.forEach((item, i) => {
          const keys = isObject(item) ? Object.keys(item) : [];
          if (!isObject(item) || keys.length !== 1) {
            ctx.report(
              `${p}/${i}`,
              `each item of '${n}' must be a mapping of one extension name to its definition`,
            );
            return;
          }
          const extName = keys[0]!;
          ctx.object(item[extName], `${p}/${i}/${extName}`, sub(n, extName), {
            required: ['extend'],
            props: {
              extend: (y, q, m) =>
                ctx.oneOf(y, q, m, [
                  'call',
                  'composite',
                  'emit',
                  'for',
                  'listen',
                  'raise',
                  'run',
                  'set',
                  'switch',
                  'try',
                  'wait',
                  'all',
                ]),
              when: (y, q, m) => checkExpression(val, y, q, m, scope),
              before: (y, q, m) => checkTaskList(val, y, q, m, scope),
              after: (y, q, m) => checkTaskList(val, y, q, m, scope),
            },
          });
        });
      },
      functions: named(val, (x, p, n) => checkTask(val, x, p, n, { scope, siblings: undefined })),
      retries: named(val, (x, p, n) => checkRetryPolicy(val, x, p, n, scope)),
      secrets: (x, p, n) => ctx.stringList(x, p, n),
      timeouts: named(val, (x, p, n) => checkTimeout(val, x, p, n, scope)),
      catalogs: named(val, (x, p, n) =>
        ctx.object(x, p, n, {
          required: ['endpoint'],
          props: { endpoint: (y, q, m) => checkEndpoint(val, y, q, m) },
        }),
      ),
    },
  });
}
