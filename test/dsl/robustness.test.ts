// The validator never throws: thousands of seeded random mutations of the examples
// (values replaced by other types, keys removed or renamed, lists emptied) each give
// diagnostics with positions, or none, but never an exception.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validate } from '../../src/dsl/index.js';
import { examples } from './corpus.js';

/** A small seeded PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REPLACEMENTS: unknown[] = [
  null,
  0,
  -1,
  1.5,
  '',
  'x',
  '${ .a[ }',
  true,
  [],
  {},
  [1],
  { a: 1 },
];

function mutate(value: unknown, random: () => number): unknown {
  const containers: (Record<string, unknown> | unknown[])[] = [];
  const collect = (v: unknown) => {
    if (v && typeof v === 'object') {
      containers.push(v as Record<string, unknown>);
      for (const child of Object.values(v)) collect(child);
    }
  };
  collect(value);
  const target = containers[Math.floor(random() * containers.length)]!;
  const keys = Object.keys(target);
  if (keys.length === 0) return value;
  const key = keys[Math.floor(random() * keys.length)]!;
  const r = random();
  const t = target as Record<string, unknown>;
  if (r < 0.6) t[key] = REPLACEMENTS[Math.floor(random() * REPLACEMENTS.length)];
  else if (r < 0.8 && !Array.isArray(target)) delete t[key];
  else if (!Array.isArray(target)) {
    t[`${key}x`] = t[key];
    delete t[key];
  } else target.length = 0;
  return value;
}

describe('validate under random mutations', () => {
  it('never throws and always gives positions', () => {
    const random = prng(20260125);
    const docs = examples().map((f) => parse(f.text) as unknown);
    let invalid = 0;
    for (let i = 0; i < 3000; i++) {
      const doc = mutate(structuredClone(docs[i % docs.length]), random);
      const ds = validate(doc, { strict: i % 2 === 0, supportedOnly: i % 3 === 0 });
      for (const d of ds) {
        expect(d.line).toBeGreaterThanOrEqual(1);
        expect(typeof d.message).toBe('string');
        expect(d.message.length).toBeGreaterThan(0);
      }
      if (ds.some((d) => d.severity !== 'warning')) invalid++;
    }
    // Most mutations break something; the test would be vacuous otherwise.
    expect(invalid).toBeGreaterThan(1500);
  });

  it('reports a value nested too deeply instead of overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const doc = {
      document: { dsl: '1.0.3', namespace: 't', name: 'n', version: '1.0.0' },
      do: [{ a: { set: deep } }],
    };
    expect(validate(doc).map((d) => d.message)).toEqual([
      'document is nested too deeply to validate',
    ]);
  });
});
