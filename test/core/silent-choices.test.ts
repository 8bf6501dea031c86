// DESIGN.md "Where the specification is silent", the choices not pinned elsewhere:
// attempt.count counts the first attempt; both error-type spellings match each other in
// errors.with, in both directions, and nothing else. (Backoff formulas and jitter:
// errors.test.ts and the retry-* goldens; $context starting as {}: variables.test.ts.)
import { describe, expect, it } from 'vitest';
import type { Respond } from './helpers/harness.js';
import { commandsOf, runTasks } from './helpers/harness.js';

const NEW = 'https://serverlessworkflow.io/spec/1.0.0/errors/';
const OLD = 'https://serverlessworkflow.io/dsl/errors/types/';
const failWith =
  (type: string): Respond =>
  () => ({ error: { type, status: 503 } });

const calls = (doc: string, respond: Respond) =>
  commandsOf(runTasks(doc, { respond })).filter((c) => c.type === 'ScheduleCall').length;

const retrying = (count: number) => `
  - t:
      try:
        - c: {call: flaky}
      catch:
        retry: {delay: {seconds: 1}, limit: {attempt: {count: ${count}}}}
`;

describe('retry.limit.attempt.count counts every attempt, the first included', () => {
  it('makes exactly count calls: 1 means no retry, 3 means two retries', () => {
    expect(calls(retrying(1), failWith(`${NEW}communication`))).toBe(1);
    expect(calls(retrying(3), failWith(`${NEW}communication`))).toBe(3);
  });
});

describe('errors.with type: both spellings of a standard type', () => {
  const catching = (type: string) => `
  - t:
      try:
        - c: {call: flaky}
      catch:
        errors: {with: {type: '${type}'}}
        do:
          - h: {set: {caught: true}}
`;
  const outcome = (filter: string, raised: string) => {
    const run = runTasks(catching(filter), { respond: failWith(raised) });
    return run.execution.status === 'completed' ? 'caught' : 'faulted';
  };

  it('catches an error of the new spelling with a filter of the old one, and back', () => {
    expect(outcome(`${OLD}communication`, `${NEW}communication`)).toBe('caught');
    expect(outcome(`${NEW}communication`, `${OLD}communication`)).toBe('caught');
    expect(outcome(`${OLD}communication`, `${OLD}communication`)).toBe('caught');
  });

  it('does not match another kind, nor a type outside the standard bases', () => {
    expect(outcome(`${OLD}communication`, `${NEW}timeout`)).toBe('faulted');
    expect(outcome(`${NEW}communication`, 'https://example.com/errors/communication')).toBe(
      'faulted',
    );
  });
});
