// Every document in examples/ runs with a given input and gives this exact output: a few
// through `weft run` (the command users type), the rest through the engine.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../../src/history/events.js';
import { createEngine } from '../../src/runtime/engine.js';
import { errorTypes, retryable } from '../../src/runtime/problems.js';
import { type Petstore, startPetstore } from '../ctk/standins/petstore.js';
import { weftAsync } from './helpers/weft-async.js';

const examplesDir = resolve(fileURLToPath(import.meta.url), '../../../examples');

interface Case {
  input: Json;
  output?: Json;
  /** The expected problem when the example faults. */
  error?: Json;
  viaCli?: boolean;
}

const cases: Record<string, Case> = {
  'hello.yaml': { input: { name: 'weft' }, output: { greeting: 'Hello, weft!' }, viaCli: true },
  'set-switch.yaml': { input: { total: 250 }, output: { total: 250, shipping: 'free' } },
  'for-concurrency.yaml': {
    input: { numbers: [1, 2, 3] },
    output: [{ square: 1 }, { square: 4 }, { square: 9 }],
  },
  'fork.yaml': { input: { x: 3 }, output: [{ double: 6 }, { square: 9 }] },
  'fork-compete.yaml': { input: {}, output: { winner: 'fast' } },
  'try-retry.yaml': { input: { failures: 2 }, output: { attempts: 3 } },
  'raise.yaml': {
    input: { age: 12 },
    error: {
      type: 'https://example.com/errors/too-young',
      status: 400,
      title: 'Too young',
      detail: 'age 12 is under 18',
      instance: '/do/1/refuse',
    },
    viaCli: true,
  },
  'wait.yaml': { input: { ticket: 7 }, output: { ticket: 7, served: true } },
  'wait-until.yaml': { input: { at: '2020-01-01T00:00:00Z' }, output: { woke: true } },
  'emit-listen.yaml': {
    input: { orderId: 'o-1' },
    output: [[{ orderId: 'o-1' }], { emitted: true }],
  },
  'sub-workflow.yaml': { input: { n: 5 }, output: { n: 5, doubled: 10 }, viaCli: true },
  'call-http.yaml': {
    input: { petId: 1 },
    output: { name: 'Rex', status: 'available' },
    viaCli: true,
  },
  'function.yaml': { input: { user: 'Ada' }, output: { text: 'Hi Ada' } },
  'quorum.yaml': { input: {}, output: [{ vote: 'a' }, { vote: 'c' }] },
  'break.yaml': { input: { items: [3, 5, 12, 7], limit: 10 }, output: { found: 12 } },
  'finally.yaml': { input: {}, output: { caught: 'boom', cleaned: true } },
};

let petstore: Petstore;
const home = mkdtempSync(join(tmpdir(), 'weft-examples-'));
beforeAll(async () => {
  petstore = await startPetstore();
});
afterAll(async () => {
  await petstore.close();
  rmSync(home, { recursive: true, force: true });
});

function engineWithFunctions() {
  const engine = createEngine({ env: {}, hostMap: { 'petstore.swagger.io': petstore.url } });
  engine.registerFunction('greet', (args) => ({ text: `Hi ${(args as { name: string }).name}` }));
  let calls = 0;
  engine.registerFunction('flaky', (args) => {
    calls++;
    if (calls <= (args as { failures: number }).failures)
      throw retryable({ type: errorTypes.communication.type, status: 503, title: 'Try again' });
    return { attempts: calls };
  });
  return engine;
}

describe('the examples', () => {
  it('has a case for every example, and at least ten examples', () => {
    const files = readdirSync(examplesDir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(10);
    expect(files.sort()).toEqual(Object.keys(cases).sort());
  });

  for (const [name, c] of Object.entries(cases)) {
    it(`${name} ${c.error ? 'faults' : 'gives its output'}${c.viaCli ? ' through weft run' : ''}`, async () => {
      const path = join(examplesDir, name);
      if (c.viaCli) {
        const r = await weftAsync(['run', path, '--input', JSON.stringify(c.input)], {
          env: {
            WEFT_HOME: home,
            WEFT_HOST_MAP: `petstore.swagger.io=${petstore.url}`,
          },
        });
        if (c.error) {
          expect(r.code, r.stderr).toBe(1);
          expect(JSON.parse(r.stderr)).toEqual(c.error);
        } else {
          expect(r.code, r.stderr).toBe(0);
          expect(JSON.parse(r.stdout)).toEqual(c.output);
        }
        return;
      }
      const engine = engineWithFunctions();
      const [ref] = engine.register(readFileSync(path, 'utf8'), name);
      const outcome = await engine.start(ref!, c.input).outcome;
      if (c.error) expect(outcome).toEqual({ status: 'faulted', error: c.error });
      else expect(outcome).toEqual({ status: 'completed', output: c.output });
      await engine.close();
    });
  }
});
