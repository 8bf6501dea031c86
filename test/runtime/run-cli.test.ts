import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { weft } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const head = (name: string) =>
  `document: {dsl: '1.0.0', namespace: test, name: ${name}, version: '1.0.0'}\n`;
const env = { WEFT_HOME: join(dir, 'home') };

describe('weft run', () => {
  it('prints the output JSON and exits 0 when the execution completes, creating WEFT_HOME', () => {
    const f = file('ok.yaml', head('ok') + 'do:\n  - a:\n      set: {done: true}\n');
    const r = weft(['run', f], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ done: true });
    expect(existsSync(join(dir, 'home'))).toBe(true);
  });

  it('runs the first document of a multi-document file, which can run the others', () => {
    const f = file(
      'multi.yaml',
      head('parent') +
        "do:\n  - c:\n      run:\n        workflow: {namespace: test, name: child, version: '1.0.0'}\n---\n" +
        head('child') +
        'do:\n  - s:\n      set: {child: ran}\n',
    );
    const r = weft(['run', f], { env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ child: 'ran' });
  });

  it('exits 1 with the error as problem JSON on stderr when the execution faults', () => {
    const f = file(
      'raise.yaml',
      head('raise') +
        'do:\n  - r:\n      raise:\n        error: {type: https://example.com/e, status: 409, title: Conflict}\n',
    );
    const r = weft(['run', f], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toEqual({
      type: 'https://example.com/e',
      status: 409,
      title: 'Conflict',
      instance: '/do/0/r',
    });
  });

  it('exits 2 with file:line:col diagnostics when the document is invalid', () => {
    const f = file('bad.yaml', head('bad') + 'do:\n  - a:\n      sett: {x: 1}\n');
    const r = weft(['run', f], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: .*sett`),
    );
  });

  it('exits 2 when the input fails the workflow input.schema', () => {
    const f = file(
      'schema.yaml',
      head('schema') +
        'input:\n  schema:\n    document: {type: object, required: [name]}\ndo:\n  - a:\n      set: {x: 1}\n',
    );
    const r = weft(['run', f, '--input', '{}'], { env });
    expect(r.code).toBe(2);
    const p = JSON.parse(r.stderr);
    expect(p.type).toBe('https://serverlessworkflow.io/spec/1.0.0/errors/validation');
    expect(p.detail).toContain("required property 'name'");
  });

  it('reads the input from @file as YAML or JSON, and exits 2 on input that does not parse', () => {
    const f = file('echo.yaml', head('echo') + 'do:\n  - w:\n      wait: {milliseconds: 1}\n');
    const input = file('input.yaml', 'a: 1\nb: [x]\n');
    const r = weft(['run', f, '--input', `@${input}`], { env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ a: 1, b: ['x'] });
    const bad = weft(['run', f, '--input', '{nope'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--input: not valid JSON');
  });

  it('exits 2 naming a file that does not exist, and a missing FILE', () => {
    const r = weft(['run', join(dir, 'nope.yaml')], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${join(dir, 'nope.yaml')}:1:1: file not found\n`);
    const none = weft(['run'], { env });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('FILE is required');
  });

  it('gives $secrets from --secrets @file and from WEFT_SECRET_<NAME>', () => {
    const f = file(
      'secrets.yaml',
      head('secrets') +
        'use:\n  secrets: [apiToken, dbPass]\ndo:\n  - s:\n      set:\n        token: ${ $secrets.apiToken }\n        db: ${ $secrets.dbPass }\n',
    );
    const secrets = file('secrets.json', '{"apiToken": "from-file"}');
    const r = weft(['run', f, '--secrets', `@${secrets}`], {
      env: { ...env, WEFT_SECRET_DB_PASS: 'from-env' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ token: 'from-file', db: 'from-env' });
    const bad = weft(['run', f, '--secrets', `@${join(dir, 'missing.json')}`], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('missing.json');
  });

  it('prints its usage with --help and exits 0, and exits 2 on an unknown option', () => {
    const r = weft(['run', '--help'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: weft run FILE');
    const bad = weft(['run', 'x.yaml', '--nope'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown option '--nope'");
  });

  it('exits 2 naming a call to a function nobody registered', () => {
    const f = file('fn.yaml', head('fn') + 'do:\n  - x:\n      call: chargeCard\n');
    const r = weft(['run', f], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("call 'chargeCard'");
  });
});
