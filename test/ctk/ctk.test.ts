// The Serverless Workflow conformance kit: every scenario of every .feature file in
// ../shared/serverless-workflow/ctk (beside the clone), run on a fresh engine, with
// stand-ins on 127.0.0.1 for petstore.swagger.io and httpbin.org (host map).
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/runtime/engine.js';
import { parseFeature } from './gherkin.js';
import { NoTaskTrace, type World, runStep } from './steps.js';
import { startHttpbin } from './standins/httpbin.js';
import { type Petstore, startPetstore } from './standins/petstore.js';
import type { TestServer } from '../runtime/helpers/server.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const ctkDir = resolve(repoRoot, '../shared/serverless-workflow/ctk');
const files = readdirSync(ctkDir)
  .filter((f) => f.endsWith('.feature'))
  .sort();
const features = files.map((f) => parseFeature(readFileSync(join(ctkDir, f), 'utf8'), f));

let petstore: Petstore;
let httpbin: TestServer;

beforeAll(async () => {
  petstore = await startPetstore();
  httpbin = await startHttpbin();
});
afterAll(async () => {
  await petstore.close();
  await httpbin.close();
});

/** A top-level task's pointer: /do/<index>/<name>. */
const topLevel = /^\/do\/\d+\/([^/]+)$/;

describe('the conformance kit', () => {
  it('finds all 21 scenarios', () => {
    expect(features.flatMap((f) => f.scenarios).length).toBe(21);
  });

  for (const feature of features) {
    describe(`${feature.file}: ${feature.name}`, () => {
      for (const scenario of feature.scenarios) {
        it(scenario.name, async (ctx) => {
          const engine = createEngine({
            hostMap: { 'petstore.swagger.io': petstore.url, 'httpbin.org': httpbin.url },
            env: {},
          });
          const world: World = { engine, input: {}, ran: [] };
          engine.on('task:started', ({ taskId }) => {
            const m = topLevel.exec(taskId);
            if (m) world.ran.push(m[1]!);
          });
          try {
            for (const step of scenario.steps) await runStep(world, step, feature.file);
          } catch (e) {
            // Visible as skipped, never as passed: run order needs the core's task hook.
            if (e instanceof NoTaskTrace) return ctx.skip(`run order not checked: ${e.message}`);
            throw e;
          } finally {
            await engine.close();
          }
        });
      }
    });
  }
});
