// "did you mean" hints: close typos get a suggestion, unrelated words do not.
import { describe, expect, it } from 'vitest';
import { closest, didYouMean, editDistance } from '../../src/dsl/suggest.js';

describe('suggest', () => {
  it('measures edit distance', () => {
    expect(editDistance('sett', 'set')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests the closest plausible typo', () => {
    expect(didYouMean('sett', ['call', 'set', 'switch'])).toBe("; did you mean 'set'?");
    expect(closest('Then', ['then', 'if'])).toBe('then');
    expect(closest('finsh', ['finish', 'start'])).toBe('finish');
  });

  it('suggests nothing for unrelated words or very short ones', () => {
    expect(didYouMean('banana', ['call', 'set'])).toBe('');
    expect(closest('x', ['do', 'if'])).toBeUndefined();
    expect(closest('abc', [])).toBeUndefined();
  });
});
