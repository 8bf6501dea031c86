// The contract between the validator and the compiler (src/dsl/compile.ts): whatever
// validate() accepts, compileWorkflow() compiles without throwing. Checked on the
// examples, the CTK workflows and seeded random mutations of them that stay valid.
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compileWorkflow } from '../../src/dsl/compile.js';
import { validate } from '../../src/dsl/index.js';
import { ctkWorkflows, examples } from './corpus.js';

function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES: unknown[] = [
  null,
  0,
  1.5,
  '',
  'x',
  'PT1S',
  'https://a.example/x',
  '${ .a }',
  true,
  [],
  {},
  [1],
  { a: 1 },
  { seconds: 1 },
  'end',
  'exit',
  'continue',
  '.a',
];

describe('every valid document compiles', () => {
  const docs = [...examples(), ...ctkWorkflows()].map((f) => parse(f.text) as unknown);

  it('compiles the examples and the CTK workflows', () => {
    for (const doc of docs) expect(() => compileWorkflow(doc)).not.toThrow();
  });

  it('compiles random valid variants of them', () => {
    const random = prng(11);
    let compiled = 0;
    for (let i = 0; i < 4000; i++) {
      const doc = structuredClone(docs[i % docs.length]);
      const containers: Record<string, unknown>[] = [];
      const collect = (v: unknown) => {
        if (v && typeof v === 'object') {
          containers.push(v as Record<string, unknown>);
          Object.values(v).forEach(collect);
        }
      };
      collect(doc);
      const target = containers[Math.floor(random() * containers.length)]!;
      const keys = Object.keys(target);
      if (keys.length === 0) continue;
      const key = keys[Math.floor(random() * keys.length)]!;
      if (random() < 0.7)
        target[key] = structuredClone(VALUES[Math.floor(random() * VALUES.length)]);
      else if (Array.isArray(target)) target.length = 0;
      else delete target[key];
      if (validate(doc).some((d) => d.severity !== 'warning')) continue;
      expect(() => compileWorkflow(doc), JSON.stringify(doc)).not.toThrow();
      compiled++;
    }
    // Enough mutations stay valid for the check to mean something.
    expect(compiled).toBeGreaterThan(500);
  });
});
