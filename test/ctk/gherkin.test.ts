import { describe, expect, it } from 'vitest';
import { parseFeature } from './gherkin.js';

const text = `Feature: Things
  As someone
  I want a thing

  # a comment
  Scenario: First
    Given a workflow with definition:
    """yaml
    document:
      name: x
    """
    When the workflow is executed
    Then the workflow should complete
    And a should run first

  Scenario: Second
    Given a workflow with definition:
      """yaml
      do: []
      """
    When the workflow is executed
`;

describe('the Gherkin reader', () => {
  it('reads scenarios, steps and doc strings without their indentation', () => {
    const f = parseFeature(text, 't.feature');
    expect(f.name).toBe('Things');
    expect(f.scenarios.map((s) => s.name)).toEqual(['First', 'Second']);
    const first = f.scenarios[0]!;
    expect(first.steps.map((s) => `${s.keyword} ${s.text}`)).toEqual([
      'Given a workflow with definition:',
      'When the workflow is executed',
      'Then the workflow should complete',
      'And a should run first',
    ]);
    expect(first.steps[0]!.docString).toBe('document:\n  name: x');
    expect(f.scenarios[1]!.steps[0]!.docString).toBe('do: []');
  });

  it('names the file and line of an unclosed doc string', () => {
    expect(() =>
      parseFeature('Feature: f\nScenario: s\nGiven x\n"""\nabc\n', 'bad.feature'),
    ).toThrow(/bad\.feature:4: unclosed/);
  });

  it('names the file and line of a step outside a scenario', () => {
    expect(() => parseFeature('Given x\n', 'bad.feature')).toThrow(
      /bad\.feature:1: cannot read 'Given x'/,
    );
  });
});
