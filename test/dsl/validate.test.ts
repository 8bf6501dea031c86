// validate(): the messages, pointers and positions of weft's own checks, the weft
// extensions and --strict, expression scopes, and supportedOnly.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadWorkflows, validationProblem } from '../../src/dsl/index.js';
import type { Diagnostic } from '../../src/dsl/index.js';

const HEADER = `document:
  dsl: '1.0.3'
  namespace: test
  name: unit
  version: '1.0.0'
`;

function check(body: string, options: { strict?: boolean; supportedOnly?: boolean } = {}) {
  return loadWorkflows(HEADER + body, options).diagnostics;
}

function messages(ds: Diagnostic[]): string[] {
  return ds.map((d) => `${d.line}:${d.col} ${d.path} ${d.message}`);
}

/** A set task as a task list item, indented by `indent` more spaces. */
const set = (name: string, extra = '', indent = 0) =>
  `  - ${name}:\n      set:\n        x: 1\n${extra}`.replace(/^(?=.)/gm, ' '.repeat(indent));

describe('validate: messages a person can act on', () => {
  it('reports every problem at once, in document order, with line:col', () => {
    const ds = check(`do:
  - a:
      sett:
        x: 1
  - b:
      wait: 5s
  - c:
      set:
        x: 1
      then: nowhere
`);
    expect(messages(ds)).toEqual([
      "8:7 /do/0/a/sett unknown task type 'sett'; did you mean 'set'?",
      "11:7 /do/1/b/wait 'b.wait' must be an ISO 8601 duration like PT30S, a mapping like {seconds: 30}, or a runtime expression, got '5s'",
      "15:7 /do/2/c/then 'c.then' refers to task 'nowhere', which is not in the same task list; use continue, exit, end or one of: a, b, c",
    ]);
  });

  it('names a task with no type and lists the types', () => {
    const ds = check('do:\n  - a:\n      if: .x\n');
    expect(ds[0]!.message).toBe(
      "task 'a' has no task type; expected one of call, do, fork, emit, for, listen, raise, run, set, switch, try, wait",
    );
  });

  it('says what a non-mapping task is', () => {
    expect(check('do:\n  - a: hello\n')[0]!.message).toBe(
      "task 'a' must be a mapping, got 'hello'",
    );
  });

  it('formats a diagnostic as file:line:col: message (at pointer)', () => {
    const d = check('do:\n  - a:\n      set: 42\n')[0]!;
    expect(formatDiagnostic(d, 'flow.yaml')).toBe(
      "flow.yaml:8:7: 'a.set' must be a mapping or an expression, got the number 42 (at /do/0/a/set)",
    );
    expect(formatDiagnostic({ ...d, severity: 'warning' }, 'f')).toContain('f:8:7: warning: ');
  });

  it('checks a header mapping number fields', () => {
    const ds = loadWorkflows(
      "document:\n  dsl: 1\n  namespace: t\n  name: n\n  version: '1.0.0'\ndo: []\n",
    ).diagnostics;
    expect(messages(ds)).toEqual([
      "2:3 /document/dsl 'document.dsl' must be a string, got the number 1",
    ]);
  });

  it('accepts DSL 1.0.0 through 1.0.3 and names the range otherwise', () => {
    for (const v of ['1.0.0', '1.0.1', '1.0.2', '1.0.3']) {
      expect(loadWorkflows(HEADER.replace('1.0.3', v) + 'do: []\n').diagnostics).toEqual([]);
    }
    const ds = loadWorkflows(HEADER.replace('1.0.3', '1.1.0') + 'do: []\n').diagnostics;
    expect(ds[0]!.message).toBe(
      "'document.dsl' is '1.1.0'; weft reads DSL versions 1.0.0 through 1.0.3",
    );
  });

  it('checks then targets per task list, including switch cases', () => {
    const ds = check(`do:
  - route:
      switch:
        - big:
            when: .n > 10
            then: large
        - other:
            then: small
  - small:
      do:
${'        - large:\n            set:\n              x: 1\n'}`);
    // 'large' exists, but in a nested list, not in the list of 'route'.
    expect(messages(ds)).toEqual([
      "11:13 /do/0/route/switch/0/big/then 'route.switch.big.then' refers to task 'large', which is not in the same task list; use continue, exit, end or one of: route, small",
    ]);
  });

  it('checks references to use.* by name, with a suggestion', () => {
    const ds = check(`use:
  errors:
    notFound:
      type: https://example.com/errors/not-found
      status: 404
do:
  - fail:
      raise:
        error: notFund
`);
    expect(ds[0]!.message).toBe(
      "'fail.raise.error' refers to error 'notFund', which is not defined in use.errors; did you mean 'notFound'?",
    );
  });

  it('accepts a call of a function that is neither built in nor in use.functions', () => {
    expect(check('do:\n  - a:\n      call: sendEmail\n      with:\n        to: x\n')).toEqual([]);
    expect(check('do:\n  - a:\n      call: log:1.0.0@default\n')).toEqual([]);
  });

  it('checks functions in use.functions as tasks', () => {
    const ds = check(`use:
  functions:
    getPet:
      call: http
      with:
        method: get
do:
  - a:
      call: getPet
`);
    expect(ds[0]!.message).toBe(
      "missing required property 'endpoint' in 'use.functions.getPet.with'",
    );
  });

  it('rejects a header whose value is not a string', () => {
    const ds = check(
      'do:\n  - get:\n      call: http\n      with:\n        method: get\n        endpoint: https://x.example\n        headers:\n          n: 3\n',
    );
    expect(ds[0]!.message).toBe("'get.with.headers.n' must be a string, got the number 3");
  });
});

describe('validate: expressions and their scope', () => {
  it('accepts jq with or without ${ } in expression-only fields', () => {
    expect(
      check(`do:\n${set('a', '      if: .ready\n')}${set('b', "      if: '${ .ready }'\n")}`),
    ).toEqual([]);
  });

  it('knows the for variables (each/at, defaulting to item/index) inside the loop only', () => {
    const ok = check(`do:
  - loop:
      for:
        in: .items
      while: $index < 3
      do:
        - a:
            set:
              name: \${ $item.name }
              at: \${ $index }
`);
    expect(ok).toEqual([]);
    const named = check(`do:
  - loop:
      for:
        each: pet
        at: i
        in: .items
      do:
        - a:
            set:
              name: \${ $item.name }
`);
    expect(named[0]!.message).toMatch(/^'a.set.name' is not a valid jq expression: .*item/);
  });

  it('knows the caught error (catch.as, default error) in catch when, retry and do', () => {
    const ds = check(`do:
  - attempt:
      try:
${set('a', '', 4)}      catch:
        as: failure
        when: $failure.status == 503
        do:
          - log:
              set:
                status: \${ $failure.status }
`);
    expect(ds).toEqual([]);
    const outside = check(`do:\n${set('a', '      if: $error.status > 0\n')}`);
    expect(outside).toHaveLength(1);
  });

  it('checks expressions inside value templates (set, with, body)', () => {
    const ds = check(`do:
  - post:
      call: http
      with:
        method: post
        endpoint: https://x.example
        body:
          items:
            - \${ .a[ }
`);
    expect(ds[0]!.path).toBe('/do/0/post/with/body/items/0');
  });

  it('leaves strings with ${ } inside other text alone', () => {
    expect(check(`do:\n  - a:\n      set:\n        msg: 'cost: \${ .price } EUR'\n`)).toEqual([]);
  });
});

describe('validate: weft extensions and --strict', () => {
  const extensions = `do:
  - both:
      fork:
        quorum: 1
        branches:
${set('a', '', 8)}${set('b', '', 8)}  - loop:
      for:
        in: .items
        concurrency: 4
      do:
        - stop:
            set:
              x: 1
            then: break
  - counter:
      for:
        each: n
      while: $n < 3
      do:
${set('c', '', 8)}  - guarded:
      try:
${set('d', '', 4)}      finally:
${set('e', '', 4)}  - later:
      wait:
        until: 2030-01-01T00:00:00Z
  - cached:
      call: http
      with:
        method: get
        endpoint: https://x.example
      cache:
        key: .id
        ttl: PT1H
`;

  it('accepts every weft extension by default', () => {
    expect(check(extensions)).toEqual([]);
  });

  it('rejects every weft extension with strict, naming each', () => {
    expect(check(extensions, { strict: true }).map((d) => d.message)).toEqual([
      "'both.fork.quorum' is a weft extension; not allowed with --strict",
      "'loop.for.concurrency' is a weft extension; not allowed with --strict",
      "'then: break' is a weft extension; not allowed with --strict",
      "'counter.for' without 'in' is a weft extension; not allowed with --strict",
      "missing required property 'catch' in 'guarded'",
      "'guarded.finally' is a weft extension; not allowed with --strict",
      "'later.wait.until' is a weft extension; not allowed with --strict",
      "'cached.cache' is a weft extension; not allowed with --strict",
    ]);
  });

  it('requires while in a for without in', () => {
    const ds = check(`do:\n  - loop:\n      for:\n        each: n\n      do:\n${set('a', '', 4)}`);
    expect(ds[0]!.message).toBe(
      "'loop.for' has no 'in'; give 'in' (the collection), or 'while' to iterate 0, 1, 2, ... while it holds",
    );
  });

  it('bounds fork.quorum by the number of branches and for.concurrency below by 1', () => {
    const ds = check(`do:
  - both:
      fork:
        quorum: 3
        branches:
${set('a', '', 8)}  - loop:
      for:
        in: .items
        concurrency: 0
      do:
${set('b', '', 4)}`);
    expect(ds.map((d) => d.message)).toEqual([
      "'both.fork.quorum' must be 1..1, got 3",
      "'loop.for.concurrency' must be at least 1, got 0",
    ]);
  });

  it('checks wait.until as a date-time or an expression', () => {
    expect(check('do:\n  - w:\n      wait:\n        until: ${ .deadline }\n')).toEqual([]);
    expect(check('do:\n  - w:\n      wait:\n        until: tomorrow\n')[0]!.message).toBe(
      "'w.wait.until' must be an ISO 8601 date-time like 2026-01-31T09:00:00Z or a runtime expression, got 'tomorrow'",
    );
  });
});

describe('validate: features not supported yet', () => {
  const shell = 'do:\n  - ls:\n      run:\n        shell:\n          command: ls\n';

  it('warns by default: the document is valid DSL', () => {
    const r = loadWorkflows(HEADER + shell);
    expect(r.documents).toHaveLength(1);
    expect(r.diagnostics).toEqual([
      {
        path: '/do/0/ls/run/shell',
        line: 9,
        col: 9,
        message: 'run: shell is not supported yet by weft',
        severity: 'warning',
      },
    ]);
  });

  it('is an error with supportedOnly', () => {
    const r = loadWorkflows(HEADER + shell, { supportedOnly: true });
    expect(r.documents).toEqual([]);
    expect(r.diagnostics[0]!.severity).toBeUndefined();
  });
});

describe('validate: secrets used in expressions', () => {
  it('warns when $secrets.NAME is not declared in use.secrets', () => {
    const body = `do:\n  - a:\n      set:\n        token: \${ $secrets.apiKey }\n        other: \${ $secrets["db"].password }\n`;
    expect(check(body).map((d) => [d.severity, d.message])).toEqual([
      ['warning', "'a.set.token' uses $secrets.apiKey, which is not declared in use.secrets"],
      ['warning', "'a.set.other' uses $secrets.db, which is not declared in use.secrets"],
    ]);
    expect(check(`use:\n  secrets: [apiKey, db]\n${body}`)).toEqual([]);
  });
});

describe('validate: fields in the wrong place', () => {
  it('says where cache, finally, catch and while belong', () => {
    const ds = check(`do:
  - a:
      set:
        x: 1
      cache:
        key: .id
        ttl: PT1M
  - b:
      wait: PT1S
      finally: []
`);
    expect(ds.map((d) => `${d.path} ${d.message}`)).toEqual([
      "/do/0/a/cache 'cache' is allowed on call and run tasks only, not on a set task",
      "/do/1/b/finally 'finally' is allowed on try tasks only, not on a wait task",
    ]);
  });
});

describe('validationProblem', () => {
  it('makes an RFC 7807 validation problem naming the count and the first error', () => {
    const ds = check('do:\n  - a:\n      set: 42\n  - b:\n      wait: 5s\n');
    expect(validationProblem(ds, 'f.yaml')).toEqual({
      type: 'https://serverlessworkflow.io/spec/1.0.0/errors/validation',
      status: 400,
      title: 'Invalid workflow document',
      detail:
        "2 problems; the first: f.yaml:8:7: 'a.set' must be a mapping or an expression, got the number 42 (at /do/0/a/set)",
      errors: ds,
    });
  });
});
