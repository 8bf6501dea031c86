// `weft validate`: exit codes, diagnostics on stderr as file:line:col, --json,
// --strict, and files that cannot be read.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { weft } from '../helpers/cli.js';
import { SHARED } from './corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-validate-'));
const INVALID = new URL('../fixtures/invalid/', import.meta.url).pathname;
const quorum = join(dir, 'quorum.yaml');
writeFileSync(
  quorum,
  `document: {dsl: '1.0.3', namespace: t, name: q, version: '1.0.0'}
do:
  - both:
      fork:
        quorum: 1
        branches:
          - a: {set: {x: 1}}
          - b: {set: {y: 2}}
`,
);

describe('weft validate', () => {
  it('exits 0 and prints nothing for valid files', () => {
    const r = weft([
      'validate',
      `${SHARED}examples/set.yaml`,
      `${SHARED}examples/switch-then-string.yaml`,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('exits 2 with file:line:col: message on stderr for an invalid file', () => {
    const file = `${INVALID}unknown-task-type.yaml`;
    const r = weft(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `${file}:11:7: unknown task type 'sett'; did you mean 'set'? (at /do/0/greet/sett)\n`,
    );
  });

  it('reports a missing file as a diagnostic and still checks the others', () => {
    const missing = join(dir, 'nope.yaml');
    const r = weft(['validate', missing, `${INVALID}then-number.yaml`]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe(`${missing}:1:1: file not found`);
    expect(lines[1]).toContain("'a.then' must be a string, got the number 3");
  });

  it('prints diagnostics as JSON with --json', () => {
    const file = `${INVALID}then-number.yaml`;
    const r = weft(['validate', '--json', file]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        file,
        path: '/do/0/a/then',
        line: 13,
        col: 7,
        message: "'a.then' must be a string, got the number 3",
      },
    ]);
  });

  it('accepts weft extensions by default and rejects them with --strict', () => {
    expect(weft(['validate', quorum]).code).toBe(0);
    const r = weft(['validate', '--strict', quorum]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "quorum.yaml:5:9: 'both.fork.quorum' is a weft extension; not allowed with --strict",
    );
  });

  it('warns about features not supported yet, and rejects them with --supported-only', () => {
    const file = `${SHARED}examples/run-shell-stdin-and-arguments.yaml`;
    const r = weft(['validate', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: run: shell is not supported yet by weft');
    expect(weft(['validate', '--supported-only', file]).code).toBe(2);
  });

  it('reads stdin for -, as YAML or JSON', () => {
    const yaml = "document: {dsl: '1.0.3', namespace: t, name: n, version: '1.0.0'}\ndo: []\n";
    expect(weft(['validate', '-'], { input: yaml }).code).toBe(0);
    const r = weft(['validate', '-'], { input: '{"do": [],}' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^-:1:11: invalid JSON: /);
  });

  it('refuses a file over the size limit without reading it', () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, 'a: ' + 'x'.repeat(6 * 1024 * 1024) + '\n');
    const r = weft(['validate', big]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `${big}:1:1: document is 6.0 MB; the maximum is 5.0 MB (limit maxBytes)\n`,
    );
  });

  it('exits 2 with usage when no file is given or an option is unknown', () => {
    expect(weft(['validate']).stderr).toContain('no file given');
    const r = weft(['validate', '--fast', quorum]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--fast'");
  });
});
