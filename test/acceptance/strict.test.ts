// Issue 2 acceptance: `weft validate --strict` rejects each weft extension (DESIGN.md
// "weft extensions to DSL 1.0"), each at its own file:line:col; without --strict the same
// document is valid.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { weft } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-strict-'));
const file = join(dir, 'extensions.yaml');
writeFileSync(
  file,
  `document: {dsl: '1.0.0', namespace: t, name: ext, version: '1.0.0'}
do:
  - both:
      fork:
        quorum: 1
        branches:
          - a: {set: {a: 1}}
          - b: {set: {b: 1}}
  - loop:
      for: {in: .items, concurrency: 2}
      do:
        - stop: {set: {x: 1}, then: break}
  - counter:
      for: {each: n}
      while: $n < 3
      do:
        - c: {set: {c: 1}}
  - guarded:
      try:
        - d: {set: {d: 1}}
      catch: {}
      finally:
        - e: {set: {e: 1}}
  - later:
      wait: {until: '2030-01-01T00:00:00Z'}
  - cached:
      call: http
      with: {method: get, endpoint: 'http://127.0.0.1/x'}
      cache: {key: .id, ttl: PT1H}
limits:
  concurrency: [{key: .customer, limit: 2}]
`,
);

describe('weft validate --strict', () => {
  it('accepts the document without --strict', () => {
    const r = weft(['validate', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('rejects each of the eight extensions at its own position', () => {
    const r = weft(['validate', '--strict', file]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    const expected: [string, string][] = [
      [':5:9:', "'both.fork.quorum' is a weft extension"],
      [':10:', "'loop.for.concurrency' is a weft extension"],
      [':12:', "'then: break' is a weft extension"],
      [':14:', "'counter.for' without 'in' is a weft extension"],
      [':22:', "'guarded.finally' is a weft extension"],
      [':25:', "'later.wait.until' is a weft extension"],
      [':29:7:', "'cached.cache' is a weft extension"],
      [':30:1:', "'limits' is a weft extension"],
    ];
    expect(lines).toHaveLength(expected.length);
    expected.forEach(([where, what], i) => {
      expect(lines[i]!.startsWith(file + where), lines[i]).toBe(true);
      expect(lines[i]).toContain(`${what}; not allowed with --strict`);
    });
  });
});
