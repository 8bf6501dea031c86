// One row per message the validator can give that the fixtures do not show: the task
// list (YAML under `do:`) or top-level YAML, and the exact pointer and message.
import { describe, expect, it } from 'vitest';
import { loadWorkflows } from '../../src/dsl/index.js';

const HEADER = "document: {dsl: '1.0.3', namespace: t, name: n, version: '1.0.0'}\n";
const http = (endpoint: string) =>
  `do:\n  - get:\n      call: http\n      with:\n        method: get\n        endpoint:\n${endpoint}`;

const ROWS: [string, string, string][] = [
  [
    'do:\n  - e:\n      emit:\n        event:\n          with:\n            source: https://x.example\n            type: t\n            time: yesterday\n',
    '/do/0/e/emit/event/with/time',
    "'e.emit.event.with.time' must be an ISO 8601 date-time like 2026-01-31T09:00:00Z or a runtime expression, got 'yesterday'",
  ],
  [
    'do:\n  - l:\n      listen:\n        to: {}\n',
    '/do/0/l/listen/to',
    "'l.listen.to' must have one of 'all', 'any' or 'one'",
  ],
  [
    'do:\n  - l:\n      listen:\n        to:\n          one:\n            with: {}\n',
    '/do/0/l/listen/to/one/with',
    "'l.listen.to.one.with' is empty; give at least one event attribute to match",
  ],
  [
    'do:\n  - l:\n      listen:\n        to:\n          all: []\n          until: .done\n',
    '/do/0/l/listen/to/until',
    "unknown property 'until' in 'l.listen.to'",
  ],
  [
    'do:\n  - l:\n      listen:\n        to:\n          any: []\n        read: body\n',
    '/do/0/l/listen/read',
    "'l.listen.read' must be one of data, envelope, raw, got 'body'",
  ],
  [
    http(
      '          uri: https://x.example\n          authentication:\n            bearer:\n              token: t\n            basic:\n              username: u\n              password: p\n',
    ),
    '/do/0/get/with/endpoint/authentication',
    "'get.with.endpoint.authentication' names 2 authentication schemes (basic, bearer); give exactly one",
  ],
  [
    http('          uri: https://x.example\n          authentication: {}\n'),
    '/do/0/get/with/endpoint/authentication',
    "'get.with.endpoint.authentication' must name one authentication scheme (basic, bearer, digest, oauth2, oidc) or 'use' a defined policy",
  ],
  [
    http(
      '          uri: https://x.example\n          authentication:\n            basic:\n              username: u\n',
    ),
    '/do/0/get/with/endpoint/authentication/basic',
    "missing required property 'password' in 'get.with.endpoint.authentication.basic'",
  ],
  [
    http(
      '          uri: https://x.example\n          authentication:\n            oauth2:\n              grant: magic\n',
    ),
    '/do/0/get/with/endpoint/authentication/oauth2/grant',
    "'get.with.endpoint.authentication.oauth2.grant' must be one of authorization_code, client_credentials, password, refresh_token, urn:ietf:params:oauth:grant-type:token-exchange, got 'magic'",
  ],
  [
    http('          url: https://x.example\n'),
    '/do/0/get/with/endpoint',
    "missing required property 'uri' in 'get.with.endpoint'",
  ],
  [
    'input:\n  schema:\n    format: json\ndo: []\n',
    '/input/schema',
    "'input.schema' must have exactly one of 'document' (inline) or 'resource' (external)",
  ],
  [
    'do:\n  - r:\n      run:\n        script:\n          language: js\n',
    '/do/0/r/run/script',
    "'r.run.script' must have exactly one of 'code' (inline) or 'source' (external)",
  ],
  [
    'do:\n  - r:\n      run:\n        container:\n          image: alpine\n          lifetime:\n            cleanup: eventually\n',
    '/do/0/r/run/container/lifetime',
    "'r.run.container.lifetime' with cleanup 'eventually' needs 'after'",
  ],
  [
    'do:\n  - r:\n      run:\n        await: true\n',
    '/do/0/r/run',
    "'r.run' must have one of container, script, shell, workflow",
  ],
  [
    'do:\n  - w:\n      wait: {}\n',
    '/do/0/w/wait',
    "'w.wait' is an empty duration; give at least one of days, hours, minutes, seconds, milliseconds",
  ],
  [
    'do:\n  - f:\n      raise:\n        error:\n          type: https://x.example/e\n          status: 400\n          instance: not a pointer\n',
    '/do/0/f/raise/error/instance',
    "'f.raise.error.instance' must be a JSON pointer like /do/0/task or a runtime expression, got 'not a pointer'",
  ],
  [
    'do:\n  - t:\n      try: []\n      catch:\n        errors:\n          with: {}\n',
    '/do/0/t/catch/errors/with',
    "'t.catch.errors.with' is empty; give at least one of type, status, instance, title, details",
  ],
  [
    'do:\n  - t:\n      try: []\n      catch:\n        retry: 3\n',
    '/do/0/t/catch/retry',
    "'t.catch.retry' must be a retry policy or the name of one in use.retries, got the number 3",
  ],
  [
    'do:\n  - f:\n      fork:\n        compete: true\n        quorum: 1\n        branches:\n          - a: {set: {x: 1}}\n',
    '/do/0/f/fork/quorum',
    "'f.fork' has both 'compete' and 'quorum'; give one",
  ],
  [
    'do:\n  - f:\n      for:\n        each: my-item\n        in: .xs\n      do: []\n',
    '/do/0/f/for/each',
    "'f.for.each' must be a jq variable name like item (letters, digits, _), got 'my-item'",
  ],
  [
    'do:\n  - s:\n      switch:\n        - a\n',
    '/do/0/s/switch/0',
    "each case of 's.switch' must be a mapping of one case name to {when, then}, got 'a'",
  ],
  [
    'do:\n  - c:\n      call: http\n      with:\n        method: get\n        endpoint: https://x.example\n      cache:\n        key: .id\n',
    '/do/0/c/cache',
    "missing required property 'ttl' in 'c.cache'",
  ],
  [
    'do:\n  - a:\n      set: {x: 1}\n      then: break\n  - l:\n      fork:\n        branches:\n          - b:\n              set: {y: 1}\n              then: bogus\n',
    '/do/0/a/then',
    "'a.then' is 'break', but the task is not inside a 'for'; break leaves the nearest enclosing for",
  ],
  [
    'do:\n  - a:\n      set: {x: 1}\n  - {}\n',
    '/do/1',
    "item 1 of 'do' is empty; expected one task name and its task",
  ],
  [
    'do:\n  - a:\n      set: {x: 1}\n      timeout:\n        after: 5\n',
    '/do/0/a/timeout/after',
    "'a.timeout.after' must be a duration (ISO 8601 like PT30S, or a mapping like {seconds: 30}), got the number 5",
  ],
  [
    'use:\n  extensions:\n    - log:\n        extend: everything\ndo: []\n',
    '/use/extensions/0/log/extend',
    "'use.extensions.log.extend' must be one of call, composite, emit, for, listen, raise, run, set, switch, try, wait, all, got 'everything'",
  ],
  [
    'use:\n  catalogs:\n    default: {}\ndo: []\n',
    '/use/catalogs/default',
    "missing required property 'endpoint' in 'use.catalogs.default'",
  ],
  [
    'schedule:\n  every: daily\ndo: []\n',
    '/schedule/every',
    "'schedule.every' must be an ISO 8601 duration like PT30S, a mapping like {seconds: 30}, or a runtime expression, got 'daily'",
  ],
  ['do:\n  - "":\n      set: {x: 1}\n', '/do/0/', "item 0 of 'do' has an empty task name"],
  [
    'do:\n  - end:\n      set: {x: 1}\n',
    '/do/0/end',
    "task name 'end' is also a flow directive: 'then: end' means the directive, never this task",
  ],
  [
    'do:\n  - w:\n      wait: "5\\nseconds"\n',
    '/do/0/w/wait',
    "'w.wait' must be an ISO 8601 duration like PT30S, a mapping like {seconds: 30}, or a runtime expression, got '5\\nseconds'",
  ],
  [
    'do:\n  - f:\n      for:\n        each: i\n        at: i\n        in: .xs\n      do: []\n',
    '/do/0/f/for',
    "'f.for' uses 'i' for both the item and the index",
  ],
  [
    'do:\n  - f:\n      for:\n        each: input\n        in: .xs\n      do: []\n',
    '/do/0/f/for/each',
    "'f.for.each' is 'input', which hides $input inside the loop",
  ],
];

describe('validator messages', () => {
  for (const [body, path, message] of ROWS) {
    it(`says "${message.slice(0, 70)}" at ${path}`, () => {
      const { diagnostics } = loadWorkflows(HEADER + body);
      const found = diagnostics.find((d) => d.path === path && d.message === message);
      expect(found, JSON.stringify(diagnostics, null, 1)).toBeDefined();
      expect(found!.line).toBeGreaterThan(1);
    });
  }
});
