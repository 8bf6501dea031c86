// Issue 2 acceptance: bad input of every kind through `weft run` and `weft validate`
// ends in exit 2 and a message naming what and where (file:line:col), never a crash.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { weft } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-bad-input-'));
const env = { WEFT_HOME: join(dir, '.weft') };
const HEAD = `document: {dsl: '1.0.0', namespace: t, name: n, version: '1.0.0'}\n`;

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** A stack trace line, as Node prints one for an uncaught error. */
const STACK = /^\s+at .+\(?.*:\d+:\d+\)?$/m;

// Each case: a file, and the position and words its first diagnostic must carry.
const cases: { name: string; path: string; where: string; words: RegExp }[] = [
  {
    name: 'malformed YAML',
    path: file('malformed.yaml', `${HEAD}do:\n  - a: {set: {x: 1}\n  - b: [\n`),
    where: ':4:',
    words: /invalid YAML/,
  },
  {
    name: 'malformed JSON',
    path: file('malformed.json', '{"document": {"dsl": "1.0.0"}, }'),
    where: ':1:',
    words: /invalid JSON/,
  },
  {
    name: 'a field of the wrong type',
    path: file('wrong-type.yaml', `${HEAD}do:\n  - a:\n      set: 3\n`),
    where: ':4:7:',
    words: /'a\.set' must be a mapping or an expression, got the number 3 \(at \/do\/0\/a\/set\)/,
  },
  {
    name: 'an unknown task type',
    path: file('unknown-task.yaml', `${HEAD}do:\n  - a:\n      sett: {x: 1}\n`),
    where: ':4:7:',
    words: /unknown task type 'sett'; did you mean 'set'\?/,
  },
  {
    name: 'a jq expression that does not compile',
    path: file('bad-jq.yaml', `${HEAD}do:\n  - a:\n      set: {x: '\${ .a | | }'}\n`),
    where: ':4:13:',
    words: /'a\.set\.x' is not a valid jq expression/,
  },
  {
    name: 'an empty file',
    path: file('empty.yaml', ''),
    where: ':1:1:',
    words: /file is empty/,
  },
  {
    name: 'a binary file',
    path: file('binary.yaml', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0xff, 0xfe])),
    where: ':1:',
    words: /file is binary/,
  },
  {
    name: 'a 10 MB document',
    path: file(
      'big.yaml',
      HEAD + 'do:\n' + `  - t:\n      set: {x: '${'y'.repeat(1000)}'}\n`.repeat(10_500),
    ),
    where: ':1:1:',
    words: /document is 10\.\d MB; the maximum is 5\.0 MB/,
  },
  {
    name: 'a YAML alias bomb',
    path: file(
      'bomb.yaml',
      HEAD +
        'a: &a [x, x, x, x, x, x, x, x, x, x]\n' +
        ['b', 'c', 'd', 'e', 'f']
          .map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdef'[i]}`).join(', ')}]\n`)
          .join('') +
        'do:\n  - a: {set: {x: 1}}\n',
    ),
    where: ':',
    words: /YAML aliases expand to more than/,
  },
];

describe('weft validate on bad input', () => {
  it('exits 2 and names file:line:col and the problem for every kind of bad document', () => {
    const r = weft(['validate', ...cases.map((c) => c.path)], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(STACK);
    for (const c of cases) {
      const line = r.stderr.split('\n').find((l) => l.startsWith(c.path + ':'));
      expect(line, c.name).toBeDefined();
      expect(line!.startsWith(c.path + c.where), `${c.name}: ${line}`).toBe(true);
      expect(line, c.name).toMatch(c.words);
    }
  });
});

describe('weft run on bad input', () => {
  for (const c of cases) {
    it(`exits 2 with file:line:col and a clear message for ${c.name}`, () => {
      const r = weft(['run', c.path], { env });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toMatch(STACK);
      expect(r.stderr.startsWith(c.path + c.where), r.stderr).toBe(true);
      expect(r.stderr).toMatch(c.words);
    });
  }

  const typed = file(
    'typed.yaml',
    `${HEAD}input:\n  schema:\n    format: json\n    document:\n      type: object\n      required: [n]\n      properties: {n: {type: integer}}\ndo:\n  - a:\n      set: {x: '\${ .n }'}\n`,
  );

  it('exits 2 with a validation problem naming the field when the input fails input.schema', () => {
    const r = weft(['run', typed, '--input', '{"n": "x"}'], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const problem = JSON.parse(r.stderr) as Record<string, unknown>;
    expect(problem.type).toBe('https://serverlessworkflow.io/spec/1.0.0/errors/validation');
    expect(problem.status).toBe(400);
    expect(problem.detail).toContain('/n must be integer');
  });

  it('exits 2 naming --input when the input is not JSON', () => {
    const r = weft(['run', typed, '--input', '{n: 1'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^weft run: --input: not valid JSON: /);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('exits 2 naming the input file when --input @file does not exist', () => {
    const missing = join(dir, 'no-input.json');
    const r = weft(['run', typed, '--input', `@${missing}`], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--input: cannot read ${missing}`);
  });

  it('reports a missing document as file:1:1 like weft validate', () => {
    const missing = join(dir, 'missing.yaml');
    const r = weft(['run', missing], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${missing}:1:1: file not found\n`);
  });

  it('says a binary --input file is binary instead of echoing its bytes', () => {
    const binary = file('input.bin', Buffer.alloc(4096, 0x01));
    const r = weft(['run', typed, '--input', `@${binary}`], { env });
    expect(r.code).toBe(2);
    expect(r.stderr.length).toBeLessThan(300);
    expect(r.stderr).toMatch(/binary/);
  });
});
