// Each invalid fixture holds one problem: weft reports exactly one error, at the
// pointer and with the words its header names, and line:col point at that place.
import { describe, expect, it } from 'vitest';
import { loadWorkflows } from '../../src/dsl/index.js';
import { invalidFixtures } from './corpus.js';

describe('invalid fixtures', () => {
  for (const fixture of invalidFixtures()) {
    it(`reports the one problem of ${fixture.name} where it is`, () => {
      const { documents, diagnostics } = loadWorkflows(fixture.text, { filename: fixture.name });
      expect(documents).toEqual([]);
      const errors = diagnostics.filter((d) => d.severity !== 'warning');
      expect(errors.map((d) => `${d.path}: ${d.message}`)).toHaveLength(1);
      const [d] = errors;
      expect(d!.path).toBe(fixture.pointer);
      expect(d!.message).toContain(fixture.expect);
      const line = fixture.text.split('\n')[d!.line - 1]!;
      const last = fixture.pointer.split('/').pop()!;
      if (fixture.pointer === '') {
        // The document itself: its first line after the header comments.
        expect(line.startsWith('#')).toBe(false);
        expect(fixture.text.split('\n')[d!.line - 2]!.startsWith('#')).toBe(true);
      } else if (/^\d+$/.test(last)) {
        // A list item: just after its dash.
        expect(line.slice(0, d!.col - 1)).toMatch(/- $/);
      } else {
        // A mapping member: at its key.
        expect(line.slice(d!.col - 1)).toMatch(new RegExp(`^${last}:`));
      }
    });
  }
});
