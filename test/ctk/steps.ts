// The CTK's step phrases (shared/serverless-workflow/README.md lists them) and what each
// checks, against one scenario's run on a fresh engine.
import { expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Json } from '../../src/history/events.js';
import type { Engine } from '../../src/runtime/engine.js';
import type { Outcome } from '../../src/runtime/runner.js';
import type { Step } from './gherkin.js';

export interface World {
  engine: Engine;
  definition?: string;
  input: Json;
  outcome?: Outcome;
  /** Top-level task names in the order they started. */
  ran: string[];
}

function yaml(step: Step): Json {
  if (step.docString === undefined)
    throw new Error(`line ${step.line}: '${step.text}' needs a doc string`);
  return parseYaml(step.docString) as Json;
}

function outcome(w: World): Outcome {
  if (!w.outcome) throw new Error('the workflow was not executed');
  return w.outcome;
}

function output(w: World): Json {
  const o = outcome(w);
  if (o.status !== 'completed')
    throw new Error(`the workflow did not complete: ${JSON.stringify(o)}`);
  return o.output;
}

function at(value: Json, path: string): Json | undefined {
  let cur: Json | undefined = value;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !(part in cur))
      return undefined;
    cur = cur[part];
  }
  return cur;
}

/** The interpreter reported no task starts (it needs ExecutionContext.onTaskStarted):
 *  run-order steps cannot be checked. The runner reports the scenario as skipped. */
export class NoTaskTrace extends Error {}

function ran(w: World): string[] {
  if (w.ran.length === 0) throw new NoTaskTrace('the interpreter reported no task:started events');
  return w.ran;
}

type Action = (w: World, m: RegExpExecArray, step: Step) => Promise<void> | void;

const steps: [RegExp, Action][] = [
  [/^a workflow with definition:$/, (w, _m, s) => void (w.definition = s.docString)],
  [/^given the workflow input is:$/, (w, _m, s) => void (w.input = yaml(s))],
  [
    /^the workflow is executed$/,
    async (w) => {
      if (w.definition === undefined) throw new Error('no workflow definition was given');
      const [ref] = w.engine.register(w.definition, 'scenario.yaml');
      w.outcome = await w.engine.start(ref!, w.input).outcome;
    },
  ],
  [
    /^the workflow should complete$/,
    (w) => expect(outcome(w)).toMatchObject({ status: 'completed' }),
  ],
  [/^the workflow should complete with output:$/, (w, _m, s) => expect(output(w)).toEqual(yaml(s))],
  [/^the workflow should fault$/, (w) => expect(outcome(w).status).toBe('faulted')],
  [
    /^the workflow should fault with error:$/,
    (w, _m, s) => {
      const o = outcome(w);
      expect(o.status).toBe('faulted');
      expect(o.status === 'faulted' ? o.error : undefined).toMatchObject(yaml(s) as object);
    },
  ],
  [
    /^the workflow output should have properties (.+)$/,
    (w, m) => {
      const out = output(w);
      const paths = [...m[1]!.matchAll(/'([^']+)'/g)].map((x) => x[1]!);
      expect(paths.length).toBeGreaterThan(0);
      for (const p of paths) expect(at(out, p), `output property '${p}'`).not.toBeUndefined();
    },
  ],
  [
    /^the workflow output should have a '([^']+)' property with value:$/,
    (w, m, s) => expect(at(output(w), m[1]!)).toEqual(yaml(s)),
  ],
  [
    /^the workflow output should have a '([^']+)' property containing (\d+) items$/,
    (w, m) => {
      const v = at(output(w), m[1]!);
      expect(Array.isArray(v), `'${m[1]}' is an array`).toBe(true);
      expect((v as Json[]).length).toBe(Number(m[2]));
    },
  ],
  [/^(\S+) should run first$/, (w, m) => expect(ran(w)[0]).toBe(m[1])],
  [/^(\S+) should run last$/, (w, m) => expect(ran(w).at(-1)).toBe(m[1])],
  [
    /^(\S+) should run after (\S+)$/,
    (w, m) => {
      const later = ran(w).indexOf(m[1]!);
      const earlier = ran(w).indexOf(m[2]!);
      expect(later, `${m[1]} ran`).toBeGreaterThanOrEqual(0);
      expect(earlier, `${m[2]} ran`).toBeGreaterThanOrEqual(0);
      expect(later).toBeGreaterThan(earlier);
    },
  ],
];

export async function runStep(w: World, step: Step, where: string): Promise<void> {
  for (const [pattern, action] of steps) {
    const m = pattern.exec(step.text);
    if (m) return action(w, m, step);
  }
  throw new Error(`${where}:${step.line}: no step matches '${step.keyword} ${step.text}'`);
}
