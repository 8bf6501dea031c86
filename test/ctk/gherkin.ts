// A tiny Gherkin reader for the CTK's .feature files: Feature, Scenario, Given/When/
// Then/And/But steps, and """ doc strings (their indentation removed, as Gherkin does:
// relative to the opening delimiter). Comments (#) and tags (@) are skipped.

export interface Step {
  keyword: string;
  text: string;
  docString?: string;
  line: number;
}

export interface Scenario {
  name: string;
  line: number;
  steps: Step[];
}

export interface Feature {
  name: string;
  file: string;
  scenarios: Scenario[];
}

const stepKeywords = /^(Given|When|Then|And|But)\s+(.*)$/;

export function parseFeature(text: string, file: string): Feature {
  const lines = text.split(/\r?\n/);
  const feature: Feature = { name: '', file, scenarios: [] };
  let scenario: Scenario | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('@')) continue;
    let m = /^Feature:\s*(.*)$/.exec(line);
    if (m) {
      feature.name = m[1]!.trim();
      continue;
    }
    m = /^Scenario(?: Outline)?:\s*(.*)$/.exec(line);
    if (m) {
      scenario = { name: m[1]!.trim(), line: i + 1, steps: [] };
      feature.scenarios.push(scenario);
      continue;
    }
    m = stepKeywords.exec(line);
    if (m && scenario) {
      const step: Step = { keyword: m[1]!, text: m[2]!.trim(), line: i + 1 };
      scenario.steps.push(step);
      const next = lines[i + 1]?.trim() ?? '';
      if (next.startsWith('"""')) {
        const indent = lines[i + 1]!.indexOf('"""');
        const body: string[] = [];
        let j = i + 2;
        for (; j < lines.length && lines[j]!.trim() !== '"""'; j++) {
          const l = lines[j]!;
          // strip the delimiter's indentation (never more than the line's own)
          const strip = Math.min(indent, l.length - l.trimStart().length);
          body.push(l.slice(strip));
        }
        if (j >= lines.length) throw new Error(`${file}:${i + 2}: unclosed """ doc string`);
        step.docString = body.join('\n');
        i = j;
      }
      continue;
    }
    if (scenario === undefined && feature.name) continue; // the feature's description
    throw new Error(`${file}:${i + 1}: cannot read '${line}'`);
  }
  return feature;
}
