// Compile and run mutated versions of the specification examples: whatever the
// validator might let through, compile never throws and the interpreter ends every
// activation with commands (a fault at worst), never with a JS exception.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { compileWorkflow } from '../../src/dsl/compile.js';
import { seededRandom } from '../../src/core/prng.js';
import type { Json } from '../../src/history/events.js';
import { simulate } from './helpers/harness.js';

const examples = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../shared/serverless-workflow/examples',
);

const REPLACEMENTS: Json[] = [
  null,
  0,
  -1,
  'x',
  '${ .nope.nope }',
  '${ [ }',
  [],
  {},
  true,
  'PT1S',
  { a: 1 },
];

/** A copy of `value` with one randomly chosen node replaced or deleted. */
function mutate(value: Json, random: () => number): Json {
  const nodes: { parent: Json[] | Record<string, Json>; key: string | number }[] = [];
  const walk = (v: Json): void => {
    if (Array.isArray(v)) v.forEach((x, i) => (nodes.push({ parent: v, key: i }), walk(x)));
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        nodes.push({ parent: v, key: k });
        walk(x);
      }
    }
  };
  const copy = structuredClone(value);
  walk(copy);
  const pick = nodes[Math.floor(random() * nodes.length)];
  if (!pick) return copy;
  const replacement = REPLACEMENTS[Math.floor(random() * REPLACEMENTS.length)] ?? null;
  if (random() < 0.2 && !Array.isArray(pick.parent)) delete pick.parent[pick.key as string];
  else (pick.parent as Record<string | number, Json>)[pick.key] = replacement;
  return copy;
}

describe('robustness', () => {
  const docs = readdirSync(examples)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) =>
      parseAllDocuments(readFileSync(path.join(examples, f), 'utf8')).map((d) => d.toJS() as Json),
    );

  it('never throws on 400 mutated examples, in compile or while running', () => {
    const random = seededRandom('robustness');
    let faulted = 0;
    for (let i = 0; i < 400; i++) {
      const doc = mutate(docs[i % docs.length] ?? null, random);
      const ir = compileWorkflow(doc);
      const run = simulate(ir, {
        ctx: { limits: { maxStepsPerActivation: 2000, maxEffects: 50 } },
      });
      expect(['running', 'completed', 'faulted']).toContain(run.execution.status);
      if (run.execution.status === 'faulted') {
        faulted++;
        expect(typeof run.execution.error?.type).toBe('string');
        // 'Runtime error' is how a JS exception inside the interpreter would surface.
        expect(run.execution.error?.title, JSON.stringify(run.execution.error)).not.toBe(
          'Runtime error',
        );
      }
    }
    expect(faulted).toBeGreaterThan(0);
  });
});
