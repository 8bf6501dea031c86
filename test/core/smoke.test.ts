import { describe, expect, it } from 'vitest';
import { compile, simulate, wf } from './helpers/harness.js';

describe('smoke', () => {
  it('runs a set task', () => {
    const run = simulate(compile(wf(`  - a:\n      set:\n        x: \${ .n + 1 }\n`)), {
      input: { n: 1 },
    });
    expect(run.execution.status).toBe('completed');
    expect(run.execution.output).toEqual({ x: 2 });
  });
  it('runs a call then a wait', () => {
    const run = simulate(
      compile(
        wf(
          `  - a:\n      call: http\n      with: {method: get, endpoint: 'http://x/{id}'}\n  - b:\n      wait: PT1S\n`,
        ),
      ),
      { input: { id: 1 } },
    );
    console.log(JSON.stringify(run.steps));
    expect(run.execution.output).toEqual({ ok: '/do/0/a' });
  });
});
