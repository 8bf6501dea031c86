// jq's own test suite (jqlang/jq tests/, in ../shared/jq-tests) run against weft's jq.
// Each group is one vitest test; the groups of skips.ts are skipped with their reason
// and never count as passed. The pass figure is printed at the end. Outputs are
// compared as jq's src/jq_test.c compares them: expected lines parsed as JSON, values
// equal as jq's `==` (numbers as doubles, objects whatever their key order), no fewer and
// no more outputs (an error after the expected outputs is not an extra output).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Json } from '../../src/jq/api.js';
import { parseJsonStream } from '../../src/cli/jq.js';
import { toJson } from '../../src/jq/builtins/formats.js';
import { SKIPPED } from './skips.js';
import { compile } from './support/engine.js';
import { jqEqual } from './support/equal.js';
import type { TestGroup } from './support/jq-tests.js';
import { loadTestGroups, TEST_FILES, testsFolder } from './support/jq-tests.js';

/** `now` for the groups that read the clock: 2015-03-05T23:51:47Z. */
const NOW = 1425599507000;

const groups = loadTestGroups();
const skipKey = (g: { file: string; line: number; program: string }) =>
  `${g.file}:${g.line}:${g.program}`;
const skipped = new Map(SKIPPED.map((s) => [skipKey(s), s.reason]));
const tally = { passed: 0, failed: 0, skipped: 0 };
const failures: string[] = [];

function parseOne(text: string, what: string): Json {
  const values = parseJsonStream(text);
  if (values.length !== 1) throw new Error(`${what} is not one JSON value: ${text}`);
  return values[0]!.value;
}

const short = (v: Json) => {
  const text = toJson(v);
  return text.length > 200 ? text.slice(0, 200) + `... (${text.length} characters)` : text;
};

/** Runs one group; returns why it failed, or undefined when it passed. */
function runGroup(g: TestGroup): string | undefined {
  const compiled = compile(g.program);
  if (g.mustFail) {
    return compiled.ok ? `compiled, but jq rejects it with: ${g.expected.join(' / ')}` : undefined;
  }
  if (!compiled.ok) {
    return `compile error: ${compiled.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`).join('; ')}`;
  }
  const input = parseOne(g.input ?? '', 'the input line');
  const expected = g.expected.map((line) => parseOne(line, 'an expected line'));
  let actual: Json[];
  try {
    actual = compiled.program.run(input, {}, { now: NOW });
  } catch (e) {
    // jq_test.c reads only as many outputs as there are expected lines, then asks for
    // one more: an error there is not a "superfluous result". So an error after the
    // expected outputs passes (some groups expect exactly that, with a comment saying
    // "Runtime error"). run() loses the outputs before an error, so take the first
    // ones through limit/2.
    const got = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    const n = expected.length;
    const limited = n === 0 ? undefined : compile(`limit(${n}; (${g.program}))`);
    if (n > 0 && !limited?.ok) return `expected ${g.expected.join(', ')} but got error ${got}`;
    try {
      actual = limited?.ok ? limited.program.run(input, {}, { now: NOW }) : [];
    } catch {
      return `expected ${g.expected.join(', ')} but got error ${got}`;
    }
    if (actual.length < n) {
      return `expected ${g.expected.join(', ')} but got ${actual.length} outputs, then error ${got}`;
    }
  }
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    const a = actual[i];
    const x = expected[i];
    if (a === undefined) return `output ${i + 1} missing: expected ${short(x!)}`;
    if (x === undefined) return `superfluous output ${i + 1}: ${short(a)}`;
    if (!jqEqual(a, x)) return `output ${i + 1}: expected ${short(x)} but got ${short(a)}`;
  }
  return undefined;
}

const title = (g: TestGroup) =>
  `${g.file}:${g.line} ${g.mustFail ? '%%FAIL ' : ''}${g.program.length > 90 ? g.program.slice(0, 87) + '...' : g.program}`;

describe("jq's test suite", () => {
  it('finds all seven test files beside the clone', () => {
    for (const f of TEST_FILES) expect(existsSync(path.join(testsFolder(), f))).toBe(true);
    expect(groups.length).toBeGreaterThan(800);
  });

  it('names in the skip list only groups that exist, each with a reason', () => {
    const keys = new Set(groups.map(skipKey));
    for (const s of SKIPPED) {
      expect(keys.has(skipKey(s)), `stale skip entry ${s.file}:${s.line}`).toBe(true);
      expect(s.reason.length).toBeGreaterThan(10);
    }
  });

  for (const file of TEST_FILES) {
    describe(file, () => {
      for (const g of groups.filter((x) => x.file === file)) {
        const reason = skipped.get(skipKey(g));
        if (reason !== undefined) {
          tally.skipped++;
          it.skip(`${title(g)} [skipped: ${reason}]`, () => {});
          continue;
        }
        it(title(g), () => {
          let why: string | undefined;
          try {
            why = runGroup(g);
          } catch (e) {
            why = `harness or engine crash: ${e instanceof Error ? e.stack : String(e)}`;
          }
          if (why === undefined) tally.passed++;
          else {
            tally.failed++;
            failures.push(`${g.file}:${g.line} ${g.program}\n      ${why}`);
          }
          expect(why).toBeUndefined();
        });
      }
    });
  }

  afterAll(() => {
    const total = groups.length;
    const pct = (n: number, d: number) => ((100 * n) / d).toFixed(1);
    const runnable = total - tally.skipped;
    const lines = [
      `jq test suite: ${tally.passed} passed / ${total} groups (${pct(tally.passed, total)}%);` +
        ` ${tally.failed} failed, ${tally.skipped} skipped (sandboxed);` +
        ` ${tally.passed} / ${runnable} runnable (${pct(tally.passed, runnable)}%)`,
    ];
    if (failures.length > 0 && process.env['JQ_SUITE_FAILURES'] !== '0') {
      lines.push(`failing groups (${failures.length}):`, ...failures.map((f) => '  ' + f));
    }
    console.log(lines.join('\n'));
  });
});
