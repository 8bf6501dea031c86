// Dispatch on the task kind (exhaustive: a new kind fails to type-check until handled).

import type { KindResult, TaskEnv } from '../env.js';
import type { Co } from '../instructions.js';
import { runDo, runRaise, runSet, runSwitch } from './flow.js';
import { runFor } from './for.js';
import { runFork } from './fork.js';
import { runTry } from './try.js';
import { runCall, runEmit, runRun, runWait } from './effects.js';
import { runListen } from './listen.js';

export function* runKind(env: TaskEnv): Co<KindResult> {
  const task = env.task;
  switch (task.kind) {
    case 'do':
      return yield* runDo({ ...env, task });
    case 'set':
      return runSet({ ...env, task });
    case 'switch':
      return runSwitch({ ...env, task });
    case 'raise':
      return runRaise({ ...env, task });
    case 'for':
      return yield* runFor({ ...env, task });
    case 'fork':
      return yield* runFork({ ...env, task });
    case 'try':
      return yield* runTry({ ...env, task });
    case 'wait':
      return yield* runWait({ ...env, task });
    case 'emit':
      return yield* runEmit({ ...env, task });
    case 'call':
      return yield* runCall({ ...env, task });
    case 'run':
      return yield* runRun({ ...env, task });
    case 'listen':
      return yield* runListen({ ...env, task });
    default: {
      const never: never = task;
      throw new Error(`unknown task kind ${JSON.stringify(never)}`);
    }
  }
}
