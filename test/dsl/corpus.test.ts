// Every example of the specification and every workflow of the conformance kit is a
// valid weft document; with supportedOnly, the ones using features weft cannot run
// yet are rejected, each with a "not supported yet" error, and only those.
import { describe, expect, it } from 'vitest';
import { loadWorkflows } from '../../src/dsl/index.js';
import { ctkWorkflows, examples } from './corpus.js';

const UNSUPPORTED =
  /^(call-asyncapi|call-grpc|call-mcp|run-container|run-return|run-script|run-shell)/;

describe('the specification examples', () => {
  it('are all found', () => {
    expect(examples().length).toBeGreaterThanOrEqual(60);
  });
  for (const file of examples()) {
    it(`validates ${file.name} with no error, also with strict (it uses no extension)`, () => {
      for (const strict of [false, true]) {
        const r = loadWorkflows(file.text, { filename: file.name, strict });
        expect(r.diagnostics.filter((d) => d.severity !== 'warning')).toEqual([]);
        expect(r.documents).toHaveLength(1);
      }
    });
    it(`${UNSUPPORTED.test(file.name) ? 'rejects' : 'accepts'} ${file.name} with supportedOnly`, () => {
      const r = loadWorkflows(file.text, { filename: file.name, supportedOnly: true });
      const errors = r.diagnostics.filter((d) => d.severity !== 'warning');
      if (UNSUPPORTED.test(file.name)) {
        expect(errors.length).toBeGreaterThan(0);
        for (const e of errors) expect(e.message).toMatch(/^(call|run): \w+ is not supported yet/);
      } else {
        expect(errors).toEqual([]);
      }
    });
  }
});

describe('the conformance kit workflows', () => {
  it('are all found (21 scenarios)', () => {
    expect(ctkWorkflows()).toHaveLength(21);
  });
  for (const file of ctkWorkflows()) {
    it(`validates ${file.name}, also with supportedOnly and strict`, () => {
      const r = loadWorkflows(file.text, { supportedOnly: true, strict: true });
      expect(r.diagnostics).toEqual([]);
      expect(r.documents).toHaveLength(1);
    });
  }
});
