// Every example document of the specification compiles without throwing; the ones
// that only use what weft runs compile without diagnostics.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { compileWorkflow } from '../../src/dsl/compile.js';

const examples = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../shared/serverless-workflow/examples',
);

describe('compiling the specification examples', () => {
  const files = readdirSync(examples).filter((f) => f.endsWith('.yaml'));

  it('finds the examples', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  for (const file of files) {
    it(`compiles ${file} into tasks with pointers, without diagnostics`, () => {
      for (const doc of parseAllDocuments(readFileSync(path.join(examples, file), 'utf8'))) {
        const ir = compileWorkflow(doc.toJS());
        expect(ir.diagnostics).toEqual([]);
        expect(ir.do.tasks.length).toBeGreaterThan(0);
        ir.do.tasks.forEach((t, i) =>
          expect(t.id).toBe(`/do/${i}/${t.name.replace(/~/g, '~0').replace(/\//g, '~1')}`),
        );
      }
    });
  }
});
