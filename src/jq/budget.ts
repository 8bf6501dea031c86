// The sandbox budget of the current run (index.ts sets it at the start of a run and
// restores it after). Outside a run nothing is limited. Work whose cost grows with the
// size of values (copies, comparisons, searches) is charged in steps too, so a hostile
// expression cannot spend unbounded time inside one builtin call.
import { JqError } from './api.js';

export const rt = {
  steps: 0,
  maxSteps: Infinity,
  depth: 0,
  maxDepth: Infinity,
  maxLength: Infinity,
  now: undefined as number | undefined,
};

export function limitError(what: string): never {
  const msg = `jq sandbox limit exceeded: ${what}`;
  throw new JqError(msg, msg, 'limit');
}

export function step(): void {
  if (++rt.steps > rt.maxSteps) limitError(`more than ${rt.maxSteps} evaluation steps`);
}

/**
 * Charge `n` steps at once: a loop over n items charges them before it starts instead of
 * one step() per item. The guarantee is the same (a run ends with a limit error once
 * its steps pass maxSteps), only found before the loop rather than inside it.
 */
export function steps(n: number): void {
  rt.steps += n;
  if (rt.steps > rt.maxSteps) limitError(`more than ${rt.maxSteps} evaluation steps`);
}

/**
 * Charge for `n` elements copied, compared or searched: n/16 steps (a copy of 16 items
 * costs about as much as one step of the interpreter). Values are immutable, so
 * `reduce ... (.[$k] = $v)` copies its state each time: quadratic, as this charges.
 */
export function charge(n: number): void {
  rt.steps += n >>> 4;
  if (rt.steps > rt.maxSteps) limitError(`more than ${rt.maxSteps} evaluation steps`);
}

/** Charge for `n` elements of memory that stays allocated (materialised paths): n/4 steps. */
export function chargeMemory(n: number): void {
  rt.steps += n >>> 2;
  if (rt.steps > rt.maxSteps) limitError(`more than ${rt.maxSteps} evaluation steps`);
}

export function checkLength(n: number): void {
  if (n > rt.maxLength) limitError(`a string or array longer than ${rt.maxLength}`);
}
