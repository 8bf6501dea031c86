// Differential test: weft's jq against real jq 1.7.1 (jq-web 0.6.2, jq compiled to
// WebAssembly) on seeded random (program, input) pairs from test/jq/gen/. For each
// pair the outputs must be equal (compared as jq's compact text, so key order counts),
// and weft must fail exactly where jq fails: a compile error where jq reports one
// (exit 3), a runtime error where jq stops with one (exit 5).
// JQ_DIFF_SEED and JQ_DIFF_COUNT replay another seed or more pairs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../../src/jq/api.js';
import { parseJsonStream } from '../../src/cli/jq.js';
import { toJson } from '../../src/jq/builtins/formats.js';
import { input as genInput } from './gen/inputs.js';
import { program as genProgram } from './gen/programs.js';
import { Rng } from './gen/random.js';
import { compile, loadJqWeb, runJqWeb } from './support/engine.js';

const SEED = Number(process.env['JQ_DIFF_SEED'] ?? 20261125);
const COUNT = Number(process.env['JQ_DIFF_COUNT'] ?? 2400);
const CHUNK = 200;
const NOW = 1425599507000;

interface Pair {
  index: number;
  program: string;
  input: Json;
}

type Outcome =
  { kind: 'compile-error' } | { kind: 'error'; message: string } | { kind: 'ok'; text: string[] };

function generate(): Pair[] {
  const rng = new Rng(SEED);
  return Array.from({ length: COUNT }, (_, index) => ({
    index,
    program: genProgram(rng),
    input: genInput(rng),
  }));
}

function weft(p: Pair): Outcome {
  const c = compile(p.program);
  if (!c.ok) return { kind: 'compile-error' };
  try {
    return { kind: 'ok', text: c.program.run(p.input, {}, { now: NOW }).map((v) => toJson(v)) };
  } catch (e) {
    return { kind: 'error', message: e instanceof Error ? e.message : String(e) };
  }
}

const describeOutcome = (o: Outcome) =>
  o.kind === 'ok'
    ? `outputs [${o.text.join(', ')}]`
    : o.kind === 'error'
      ? `error: ${o.message}`
      : 'compile error';

const pairs = generate();
const stats = { pairs: 0, jqErrors: 0, jqCompileErrors: 0, mismatches: 0 };
const mismatchLines: string[] = [];
let jq: Awaited<ReturnType<typeof loadJqWeb>>;

describe('weft jq against jq 1.7.1 (jq-web)', () => {
  beforeAll(async () => {
    jq = await loadJqWeb();
  });

  it(`generates the same ${COUNT} pairs from seed ${SEED} every time`, () => {
    const again = generate();
    expect(again.map((p) => p.program)).toEqual(pairs.map((p) => p.program));
    expect(new Set(pairs.map((p) => p.program)).size).toBeGreaterThan(COUNT * 0.6);
  });

  for (let start = 0; start < COUNT; start += CHUNK) {
    const chunk = pairs.slice(start, start + CHUNK);
    it(`agrees with jq on pairs ${start}..${start + chunk.length - 1}`, () => {
      const bad: string[] = [];
      const warn = console.warn;
      console.warn = () => {}; // jq-web echoes jq's stderr (e.g. `debug`) through console.warn
      try {
        for (const p of chunk) {
          const inputText = JSON.stringify(p.input);
          const r = runJqWeb(jq, p.program, inputText);
          const expected: Outcome = r.ok
            ? { kind: 'ok', text: parseJsonStream(r.stdout).map((v) => toJson(v.value)) }
            : r.exitCode === 3
              ? { kind: 'compile-error' }
              : { kind: 'error', message: r.stderr };
          const actual = weft(p);
          stats.pairs++;
          if (expected.kind === 'error') stats.jqErrors++;
          if (expected.kind === 'compile-error') stats.jqCompileErrors++;
          const same =
            expected.kind === actual.kind &&
            (expected.kind !== 'ok' ||
              (actual.kind === 'ok' && expected.text.join('\n') === actual.text.join('\n')));
          if (!same) {
            bad.push(
              `#${p.index} program: ${p.program}\n    input: ${inputText}\n    jq:   ${describeOutcome(expected)}\n    weft: ${describeOutcome(actual)}`,
            );
          }
        }
      } finally {
        console.warn = warn;
      }
      stats.mismatches += bad.length;
      mismatchLines.push(...bad);
      expect(bad, bad.slice(0, 5).join('\n')).toEqual([]);
    });
  }

  afterAll(() => {
    console.log(
      `differential: ${stats.pairs} pairs (seed ${SEED}), jq errors on ${stats.jqErrors}` +
        ` (+${stats.jqCompileErrors} compile errors), ${stats.mismatches} mismatches` +
        ` (${((100 * (stats.pairs - stats.mismatches)) / Math.max(1, stats.pairs)).toFixed(1)}% agree)`,
    );
    if (process.env['JQ_DIFF_VERBOSE']) console.log(mismatchLines.join('\n'));
  });
});
