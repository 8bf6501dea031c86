// The groups of jq's test suite that weft's jq skips, each with its reason. Only
// features weft leaves out on purpose belong here (DESIGN.md: jq is sandboxed: no
// input stream, no environment, no modules, no process control): such groups count as
// skipped, never as passed. A failing group that weft should pass does NOT go here;
// it fails until the language is fixed. suite.test.ts checks that every entry still
// names a group of the files (file, line and program must match).

export interface SkippedGroup {
  file: string;
  line: number;
  program: string;
  reason: string;
}

const MODULES = 'modules (import/include/modulemeta): weft jq loads no modules (sandboxed)';
const INPUT = 'input/inputs: weft jq reads no input stream (sandboxed)';
const ENV = '$ENV/env: weft jq reads no environment (sandboxed)';

export const SKIPPED: readonly SkippedGroup[] = [
  {
    file: 'jq.test',
    line: 1900,
    program:
      'import "a" as foo; import "b" as bar; def fooa: foo::a; [fooa, bar::a, bar::b, foo::a]',
    reason: MODULES,
  },
  { file: 'jq.test', line: 1904, program: 'import "c" as foo; [foo::a, foo::c]', reason: MODULES },
  { file: 'jq.test', line: 1908, program: 'include "c"; [a, c]', reason: MODULES },
  {
    file: 'jq.test',
    line: 1912,
    program:
      'import "data" as $e; import "data" as $d; [$d[].this,$e[].that,$d::d[].this,$e::e[].that]|join(";")',
    reason: MODULES,
  },
  {
    file: 'jq.test',
    line: 1917,
    program: 'import "data" as $a; import "data" as $b; def f: {$a, $b}; f',
    reason: MODULES,
  },
  { file: 'jq.test', line: 1921, program: 'include "shadow1"; e', reason: MODULES },
  {
    file: 'jq.test',
    line: 1925,
    program: 'include "shadow1"; include "shadow2"; e',
    reason: MODULES,
  },
  {
    file: 'jq.test',
    line: 1929,
    program: 'import "shadow1" as f; import "shadow2" as f; import "shadow1" as e; [e::e, f::e]',
    reason: MODULES,
  },
  { file: 'jq.test', line: 1946, program: 'include "a" (.+1); 0', reason: MODULES },
  { file: 'jq.test', line: 1952, program: 'include "a" []; 0', reason: MODULES },
  { file: 'jq.test', line: 1958, program: 'include "\\ "; 0', reason: MODULES },
  { file: 'jq.test', line: 1964, program: 'include "\\(a)"; 0', reason: MODULES },
  { file: 'jq.test', line: 1969, program: 'modulemeta', reason: MODULES },
  { file: 'jq.test', line: 1973, program: 'modulemeta | .deps | length', reason: MODULES },
  { file: 'jq.test', line: 1977, program: 'modulemeta | .defs | length', reason: MODULES },
  { file: 'jq.test', line: 1982, program: 'import "syntaxerror" as e; .', reason: MODULES },
  {
    file: 'jq.test',
    line: 1993,
    program: 'import "test_bind_order" as check; check::check',
    reason: MODULES,
  },
  { file: 'jq.test', line: 2337, program: 'try input catch .', reason: INPUT },
  { file: 'man.test', line: 686, program: '$ENV.PAGER', reason: ENV },
  { file: 'man.test', line: 690, program: 'env.PAGER', reason: ENV },
];
