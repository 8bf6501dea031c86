import { describe, expect, it } from 'vitest';
import { weft } from './helpers/cli.js';

describe('weft', () => {
  it('prints its commands with --help and exits 0', () => {
    const r = weft(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: weft <command>');
  });

  it('names an unknown command and exits 2', () => {
    const r = weft(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });
});
