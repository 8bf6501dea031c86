// The documents the DSL front end is tested on: the specification's examples, the
// workflows of the conformance kit's scenarios, and weft's invalid fixtures.
import { readdirSync, readFileSync } from 'node:fs';

export const SHARED = new URL('../../../shared/serverless-workflow/', import.meta.url).pathname;
const INVALID = new URL('../fixtures/invalid/', import.meta.url).pathname;

export interface CorpusFile {
  name: string;
  text: string;
}

export function examples(): CorpusFile[] {
  const dir = `${SHARED}examples/`;
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ name: f, text: readFileSync(dir + f, 'utf8') }));
}

/** The YAML doc string after each "Given a workflow with definition:" in the CTK. */
export function ctkWorkflows(): CorpusFile[] {
  const dir = `${SHARED}ctk/`;
  const out: CorpusFile[] = [];
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.feature'))
    .sort()) {
    const text = readFileSync(dir + f, 'utf8');
    const re = /Given a workflow with definition:[^\n]*\n([ \t]*)"""[^\n]*\n([\s\S]*?)\n[ \t]*"""/g;
    let n = 0;
    for (const m of text.matchAll(re)) {
      n++;
      const indent = m[1]!.length;
      const body = m[2]!
        .split('\n')
        .map((line) => line.slice(indent))
        .join('\n');
      out.push({ name: `${f}#${n}`, text: body });
    }
  }
  return out;
}

export interface InvalidFixture extends CorpusFile {
  /** 'invalid', or 'valid: why the schema cannot see the problem'. */
  schema: string;
  pointer: string;
  expect: string;
}

/** test/fixtures/invalid/*.yaml: one problem each, described by its header comments. */
export function invalidFixtures(): InvalidFixture[] {
  return readdirSync(INVALID)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const text = readFileSync(INVALID + f, 'utf8');
      const field = (key: string) => {
        const m = new RegExp(`^# ${key}: ?(.*)$`, 'm').exec(text);
        if (!m) throw new Error(`${f}: missing '# ${key}:' header`);
        return m[1]!.trim();
      };
      return {
        name: f,
        text,
        schema: field('schema'),
        pointer: field('pointer'),
        expect: field('expect'),
      };
    });
}
