// The oracle: the official JSON Schema must agree with weft's verdict (valid or
// invalid) on every example of the specification, every CTK workflow and every
// invalid fixture, except where a fixture says the schema cannot see its problem.
//
// Two official schemas:
//   - DSL 1.0.0, embedded in the devDependency @serverlessworkflow/sdk and checked
//     with its own `validate('Workflow', doc)` (ajv 2020 inside). The SDK refuses any
//     `document.dsl` other than '1.0.0' before it looks at the schema, so semantic
//     versions are replaced by '1.0.0' for it (the schema itself takes any).
//     Six examples use fields added after 1.0.0; they are listed below.
//   - DSL 1.0.3 (/work/shared/serverless-workflow/workflow.schema.yaml, the version
//     the examples are written in), compiled with ajv/dist/2020: no exceptions.
import { readFileSync } from 'node:fs';
import sdk from '@serverlessworkflow/sdk';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadWorkflows } from '../../src/dsl/index.js';
import { ctkWorkflows, examples, invalidFixtures, SHARED } from './corpus.js';

const SEMVER = /^\d+\.\d+\.\d+/;

function sdkVerdict(doc: unknown): boolean {
  const copy = structuredClone(doc) as { document?: { dsl?: unknown } };
  if (typeof copy?.document?.dsl === 'string' && SEMVER.test(copy.document.dsl)) {
    copy.document.dsl = '1.0.0';
  }
  try {
    sdk.validate('Workflow', copy);
    return true;
  } catch {
    return false;
  }
}

const ajv = new Ajv2020.default({ strict: false, allErrors: false });
addFormats.default(ajv);
const schema103 = ajv.compile(parse(readFileSync(`${SHARED}workflow.schema.yaml`, 'utf8')));

// Examples that use fields the 1.0.0 schema does not have (valid in 1.0.3).
const NEWER_THAN_1_0_0: Record<string, string> = {
  'call-http-query-headers-expressions.yaml': 'headers as a runtime expression',
  'run-container-stdin-and-arguments.yaml': 'run.container stdin and arguments',
  'run-container-with-pull-policy.yaml': 'run.container pullPolicy',
  'run-script-with-stdin-and-arguments.yaml': 'run.script stdin',
  'run-shell-stdin-and-arguments.yaml': 'run.shell stdin',
  'set-expression.yaml': 'set as a runtime expression string',
};

function weftValid(text: string): boolean {
  return loadWorkflows(text).documents.length > 0;
}

describe('the official schema and weft agree', () => {
  for (const file of examples()) {
    it(`accepts the example ${file.name}, as both schemas do`, () => {
      const doc = parse(file.text);
      expect(weftValid(file.text)).toBe(true);
      expect(schema103(doc)).toBe(true);
      expect(sdkVerdict(doc)).toBe(!(file.name in NEWER_THAN_1_0_0));
    });
  }

  for (const file of ctkWorkflows()) {
    it(`accepts the CTK workflow ${file.name}, as both schemas do`, () => {
      const doc = parse(file.text);
      expect(weftValid(file.text)).toBe(true);
      expect(schema103(doc)).toBe(true);
      expect(sdkVerdict(doc)).toBe(true);
    });
  }

  for (const fixture of invalidFixtures()) {
    const schemaSees = fixture.schema === 'invalid';
    it(`rejects ${fixture.name}; the schema ${schemaSees ? 'rejects it too' : 'cannot see the problem'}`, () => {
      const doc = parse(fixture.text);
      expect(weftValid(fixture.text)).toBe(false);
      expect(schema103(doc)).toBe(!schemaSees);
      expect(sdkVerdict(doc)).toBe(!schemaSees);
    });
  }

  it('holds at least 40 invalid fixtures, a fifth of them beyond the schema', () => {
    const all = invalidFixtures();
    expect(all.length).toBeGreaterThanOrEqual(40);
    expect(all.filter((f) => f.schema !== 'invalid').length).toBeGreaterThanOrEqual(8);
  });
});
