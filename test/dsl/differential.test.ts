// Differential test against the official 1.0.3 schema: seeded random mutations of the
// specification examples (a value replaced, a key removed or renamed, a list emptied)
// are judged by both. Where they disagree, weft must be on the documented side:
//   - weft accepts what the schema rejects only for a weft extension (so weft --strict
//     rejects it too);
//   - weft rejects what the schema accepts only with one of its own checks (jq,
//     references, then targets, unique names, ...; docs/validation.md).
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/dsl/index.js';
import { examples, SHARED } from './corpus.js';

const ajv = new Ajv2020.default({ strict: false });
addFormats.default(ajv);
const schema = ajv.compile(parse(readFileSync(`${SHARED}workflow.schema.yaml`, 'utf8')));

const WEFT_ONLY = [
  /is not a valid jq expression/,
  /which is not defined in use\./,
  /which is not in the same task list/,
  /is used twice in/,
  /has an empty task name/,
  /for both the item and the index/,
  /must name what to call/,
  /must be a jq variable name/,
  /at the top level of the workflow/,
];

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
  -1,
  1.5,
  '',
  'x',
  'PT1S',
  'https://a.example/x',
  'https://a b',
  'urn:x',
  '${ .a }',
  true,
  [],
  {},
  [1],
  { a: 1 },
  { seconds: 1 },
];

function mutate(doc: unknown, random: () => number): void {
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
  if (keys.length === 0) return;
  const key = keys[Math.floor(random() * keys.length)]!;
  const r = random();
  if (r < 0.6) target[key] = structuredClone(VALUES[Math.floor(random() * VALUES.length)]);
  else if (Array.isArray(target)) target.length = 0;
  else if (r < 0.8) delete target[key];
  else {
    target[`${key}x`] = target[key];
    delete target[key];
  }
}

describe('weft and the 1.0.3 schema on mutated examples', () => {
  it('disagree only where weft documents why', () => {
    const random = prng(7);
    const docs = examples().map((f) => parse(f.text) as unknown);
    const counts = { agree: 0, weftOnly: 0, extension: 0 };
    for (let i = 0; i < 6000; i++) {
      const doc = structuredClone(docs[i % docs.length]);
      mutate(doc, random);
      const errors = validate(doc).filter((d) => d.severity !== 'warning');
      const official = schema(doc) as boolean;
      if ((errors.length === 0) === official) counts.agree++;
      else if (official) {
        for (const e of errors) {
          expect(
            WEFT_ONLY.some((re) => re.test(e.message)),
            e.message,
          ).toBe(true);
        }
        counts.weftOnly++;
      } else {
        expect(validate(doc, { strict: true }).length).toBeGreaterThan(0);
        counts.extension++;
      }
    }
    expect(counts.agree).toBeGreaterThan(4500);
  });
});
