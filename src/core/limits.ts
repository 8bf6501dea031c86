// Guards that keep one execution from running away. Documented in docs/dsl.md.

export interface CoreLimits {
  /** Effects one execution may schedule in all (calls, timers, listens, emits, children). */
  maxEffects: number;
  /** Tasks and loop iterations one activation (one apply() call) may run without
   *  suspending on an effect: a pure infinite loop ends with an error instead of hanging. */
  maxStepsPerActivation: number;
  /** Largest task output, in characters of its JSON text. */
  maxPayloadChars: number;
}

export const DEFAULT_LIMITS: CoreLimits = {
  maxEffects: 10_000,
  maxStepsPerActivation: 100_000,
  maxPayloadChars: 4 * 1024 * 1024,
};
