// The per-activation step counter (CoreLimits.maxStepsPerActivation).

import { fault } from './problems.js';
import type { Rt } from './state.js';

/** Counts pure work per activation: a loop without effects must end, not hang. */
export function tick(rt: Rt, where: string): void {
  if (++rt.steps > rt.limits.maxStepsPerActivation) {
    throw fault(
      'runtime',
      where,
      'Step limit exceeded',
      `more than ${rt.limits.maxStepsPerActivation} tasks or iterations ran without waiting for an effect (limits.maxStepsPerActivation)`,
    );
  }
}
