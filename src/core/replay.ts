// replay(): rebuild an execution from its recorded history. Every recorded ...Started
// event is checked against what the interpreter schedules (Execution.check throws
// DeterminismError). The commands returned are the ones not yet recorded: new
// Schedule* commands, CancelEffect for recorded effects that still need one, and the
// terminal command when the terminal event is not recorded yet.

import type { Command } from './commands.js';
import type { HistoryEvent } from '../history/events.js';
import { recordedEffects } from '../history/events.js';
import type { WorkflowIR } from '../dsl/ir.js';
import { Execution } from './execution.js';
import type { ExecutionContext } from './state.js';

export function replay(
  ir: WorkflowIR,
  ctx: ExecutionContext,
  history: readonly HistoryEvent[],
): { execution: Execution; commands: Command[] } {
  const execution = new Execution(ir, ctx);
  execution.replaying = true;
  const all = execution.apply(history);
  execution.replaying = false;
  const { started, settled, terminal } = recordedEffects(history);
  const cancelled = new Set(all.flatMap((c) => (c.type === 'CancelEffect' ? [c.effectId] : [])));
  const commands = all.filter((c) => {
    switch (c.type) {
      case 'CancelEffect':
        // A recorded effect whose outcome or cancellation is not recorded still needs it;
        // an effect scheduled and cancelled within the unrecorded part needs neither.
        return started.has(c.effectId) && !settled.has(c.effectId);
      case 'CompleteExecution':
      case 'FaultExecution':
      case 'CancelExecution':
        return !terminal;
      default:
        return !started.has(c.effectId) && !cancelled.has(c.effectId);
    }
  });
  return { execution, commands };
}
