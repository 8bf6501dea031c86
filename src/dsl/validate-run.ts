// `run` tasks: a child workflow (supported), a container, a script or a shell command
// (valid DSL, not supported yet by weft).
import { cacheCheck } from './validate-call.js';
import { isObject } from './validate-context.js';
import type { Check } from './validate-context.js';
import type { KindCheck } from './validate-flow.js';
import type { Validation } from './validate-refs.js';
import { checkExternalResource } from './validate-resources.js';
import type { Scope } from './expressions.js';
import { checkDuration, checkTemplate } from './validate-values.js';

const PROCESSES = ['container', 'script', 'shell', 'workflow'] as const;

function processChecks(val: Validation, scope: Scope): Record<string, Check> {
  const { ctx } = val;
  const str: Check = (x, p, n) => ctx.string(x, p, n);
  const obj: Check = (x, p, n) => ctx.expectObject(x, p, n);
  const strings: Check = (x, p, n) => ctx.stringList(x, p, n);
  const template: Check = (x, p, n) =>
    ctx.expectObject(x, p, n) && checkTemplate(val, x, p, n, scope);
  return {
    container: (v, path, name) =>
      ctx.object(v, path, name, {
        required: ['image'],
        props: {
          image: str,
          name: str,
          command: str,
          ports: obj,
          volumes: obj,
          environment: template,
          stdin: str,
          arguments: strings,
          pullPolicy: (x, p, n) => ctx.oneOf(x, p, n, ['ifNotPresent', 'always', 'never']),
          lifetime: (x, p, n) => {
            if (
              !ctx.object(x, p, n, {
                required: ['cleanup'],
                props: {
                  cleanup: (y, q, m) => ctx.oneOf(y, q, m, ['always', 'never', 'eventually']),
                  after: (y, q, m) => checkDuration(val, y, q, m, scope),
                },
              })
            ) {
              return;
            }
            if (x.cleanup === 'eventually' && !('after' in x)) {
              ctx.report(p, `'${n}' with cleanup 'eventually' needs 'after'`);
            } else if (x.cleanup !== 'eventually' && 'after' in x) {
              ctx.report(`${p}/after`, `'${n}.after' is only allowed with cleanup 'eventually'`);
            }
          },
        },
      }),
    script: (v, path, name) => {
      if (
        !ctx.object(v, path, name, {
          required: ['language'],
          props: {
            language: str,
            code: str,
            source: (x, p, n) => checkExternalResource(val, x, p, n, scope),
            stdin: str,
            arguments: strings,
            environment: template,
          },
        })
      ) {
        return;
      }
      if (('code' in v ? 1 : 0) + ('source' in v ? 1 : 0) !== 1) {
        ctx.report(
          path,
          `'${name}' must have exactly one of 'code' (inline) or 'source' (external)`,
        );
      }
    },
    shell: (v, path, name) =>
      ctx.object(v, path, name, {
        required: ['command'],
        props: { command: str, stdin: str, arguments: strings, environment: template },
      }),
    workflow: (v, path, name) =>
      ctx.object(v, path, name, {
        required: ['namespace', 'name', 'version'],
        props: { namespace: str, name: str, version: str, input: template },
      }),
  };
}

export const checkRun: KindCheck = (val, _task, _path, _name, { scope }) => {
  const { ctx } = val;
  return {
    props: {
      run: (v, path, name) => {
        const processes = processChecks(val, scope);
        const ok = ctx.object(v, path, name, {
          props: {
            await: (x, p, n) => ctx.boolean(x, p, n),
            return: (x, p, n) => ctx.oneOf(x, p, n, ['stdout', 'stderr', 'code', 'all', 'none']),
            ...processes,
          },
        });
        if (!ok || !isObject(v)) return;
        const given = PROCESSES.filter((k) => k in v);
        if (given.length !== 1) {
          ctx.report(
            path,
            given.length === 0
              ? `'${name}' must have one of ${PROCESSES.join(', ')}`
              : `'${name}' has ${given.join(' and ')}; give exactly one of ${PROCESSES.join(', ')}`,
          );
        }
        for (const k of given) {
          if (k !== 'workflow') ctx.unsupported(`${path}/${k}`, `run: ${k}`);
        }
      },
    },
    extensions: { cache: cacheCheck(val, scope) },
  };
};
