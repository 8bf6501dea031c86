// Reads jq's own test files (../shared/jq-tests, from jqlang/jq `tests/`) into groups,
// following jq's src/jq_test.c: a program line, an input line, the expected outputs up
// to a blank or comment line; `%%FAIL` (or `%%FAIL IGNORE MSG`) then a program that
// must fail to compile and the expected error text.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface TestGroup {
  file: string;
  /** 1-based line of the program. */
  line: number;
  program: string;
  /** The input line (absent for %%FAIL groups). */
  input?: string;
  /** Expected output lines, or the expected error lines of a %%FAIL group. */
  expected: string[];
  mustFail: boolean;
}

export const TEST_FILES = [
  'jq.test',
  'man.test',
  'onig.test',
  'manonig.test',
  'base64.test',
  'uri.test',
  'optional.test',
] as const;

/** CI puts shared/ beside the clone: the folder is ../shared/jq-tests from the repo root. */
export function testsFolder(): string {
  const root = path.resolve(import.meta.dirname, '../../..');
  return path.resolve(root, '../shared/jq-tests');
}

const skipLine = (s: string) => /^[ \t]*(#|$)/.test(s);

export function parseTestFile(file: string, text: string): TestGroup[] {
  const lines = text.split('\n');
  const groups: TestGroup[] = [];
  let i = 0;
  let mustFail = false;
  while (i < lines.length) {
    const line = lines[i++]!;
    if (skipLine(line)) continue;
    if (line === '%%FAIL' || line === '%%FAIL IGNORE MSG') {
      mustFail = true;
      continue;
    }
    const g: TestGroup = { file, line: i, program: line, expected: [], mustFail };
    if (!mustFail) g.input = lines[i++] ?? '';
    while (i < lines.length && !skipLine(lines[i]!)) g.expected.push(lines[i++]!);
    groups.push(g);
    mustFail = false;
  }
  return groups;
}

export function loadTestGroups(folder = testsFolder()): TestGroup[] {
  return TEST_FILES.flatMap((f) => parseTestFile(f, readFileSync(path.join(folder, f), 'utf8')));
}
