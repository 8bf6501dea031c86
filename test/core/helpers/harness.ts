// Test harness for the core: compile a workflow (YAML text), drive an Execution with a
// scripted fake runtime (no IO), and compare against golden histories.
//
// simulate(): plays the runtime: each Schedule* command is recorded as its ...Started
// event, then its outcome is produced by the test's `respond` function (calls,
// children), by the clock (timers fire at fireAt) or by scripted `events` (listens,
// cancel requests). Outcomes are applied one at a time in time order; calls take 10 ms.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { parse } from 'yaml';
import { expect } from 'vitest';
import { compileWorkflow } from '../../../src/dsl/compile.js';
import type { WorkflowIR } from '../../../src/dsl/ir.js';
import { Execution } from '../../../src/core/index.js';
import type { ExecutionContext } from '../../../src/core/index.js';
import type { Command } from '../../../src/core/commands.js';
import type { CloudEvent, HistoryEvent, Json, Problem } from '../../../src/history/events.js';

export const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);

export function compile(yamlText: string): WorkflowIR {
  return compileWorkflow(parse(yamlText));
}

/** A workflow document around a task list given as YAML (indented under `do:`). */
export function wf(tasks: string, extra = ''): string {
  return `document: {dsl: '1.0.0', namespace: test, name: t, version: '1.0.0'}\n${extra}do:\n${tasks}`;
}

export type CallOutcome = { result: Json } | { error: Problem } | 'hang';
export type Respond = (
  command: Command & { type: 'ScheduleCall' | 'ScheduleChild' | 'ScheduleEmit' },
) => CallOutcome;

export interface Script {
  input?: Json;
  seed?: string;
  respond?: Respond;
  /** Events delivered to the n-th listen (by listen order), `at` ms after it started. */
  events?: { listen: number; at: number; event: CloudEvent }[];
  cancelAt?: number;
  ctx?: Partial<ExecutionContext>;
}

export interface Run {
  history: HistoryEvent[];
  /** Commands returned after each history event (index-aligned with history). */
  steps: Command[][];
  execution: Execution;
}

export function simulate(ir: WorkflowIR, script: Script = {}): Run {
  const ctx: ExecutionContext = { executionId: 'ex1', ...script.ctx };
  const execution = new Execution(ir, ctx);
  const history: HistoryEvent[] = [];
  const steps: Command[][] = [];
  const pending: { time: number; seq: number; event: HistoryEvent }[] = [];
  let seq = 0;
  let now = T0;
  let listens = 0;
  const listenOf = new Map<number, number>();
  const push = (event: HistoryEvent): void => {
    history.push(event);
    const commands = execution.apply([event]);
    steps.push(commands);
    for (const c of commands) handle(c);
  };
  const later = (time: number, event: HistoryEvent): void => {
    pending.push({ time, seq: seq++, event });
  };
  const handle = (c: Command): void => {
    const v = 1 as const;
    switch (c.type) {
      case 'ScheduleCall':
      case 'ScheduleEmit': {
        history.push({
          v,
          time: now,
          type: 'TaskStarted',
          effectId: c.effectId,
          taskId: c.taskId,
          kind: c.type === 'ScheduleCall' ? 'call' : 'emit',
          key: c.key,
          request: c.type === 'ScheduleCall' ? c.args : (c.event as Json),
        });
        steps.push(execution.apply([history[history.length - 1]!]));
        const o = script.respond
          ? script.respond(c)
          : { result: c.type === 'ScheduleEmit' ? null : { ok: c.taskId } };
        if (o === 'hang') return;
        later(
          now + 10,
          'result' in o
            ? { v, time: 0, type: 'TaskCompleted', effectId: c.effectId, result: o.result }
            : { v, time: 0, type: 'TaskFaulted', effectId: c.effectId, error: o.error },
        );
        return;
      }
      case 'ScheduleTimer':
        history.push({
          v,
          time: now,
          type: 'TimerStarted',
          effectId: c.effectId,
          taskId: c.taskId,
          purpose: c.purpose,
          fireAt: c.fireAt,
        });
        steps.push(execution.apply([history[history.length - 1]!]));
        later(c.fireAt, { v, time: 0, type: 'TimerFired', effectId: c.effectId });
        return;
      case 'ScheduleListen': {
        history.push({
          v,
          time: now,
          type: 'ListenStarted',
          effectId: c.effectId,
          taskId: c.taskId,
          key: c.key,
          request: c.strategy,
        });
        steps.push(execution.apply([history[history.length - 1]!]));
        const n = listens++;
        listenOf.set(c.effectId, n);
        for (const e of script.events ?? []) {
          if (e.listen === n)
            later(now + e.at, {
              v,
              time: 0,
              type: 'EventReceived',
              effectId: c.effectId,
              event: e.event,
            });
        }
        return;
      }
      case 'ScheduleChild': {
        history.push({
          v,
          time: now,
          type: 'ChildStarted',
          effectId: c.effectId,
          taskId: c.taskId,
          key: c.key,
          childExecutionId: `child-${c.effectId}`,
          workflow: c.workflow,
          input: c.input,
          await: c.await,
        });
        steps.push(execution.apply([history[history.length - 1]!]));
        if (!c.await) return;
        const o = script.respond ? script.respond(c) : { result: { child: c.workflow.name } };
        if (o === 'hang') return;
        later(
          now + 10,
          'result' in o
            ? { v, time: 0, type: 'ChildCompleted', effectId: c.effectId, output: o.result }
            : { v, time: 0, type: 'ChildFaulted', effectId: c.effectId, error: o.error },
        );
        return;
      }
      case 'CancelEffect': {
        for (let i = pending.length - 1; i >= 0; i--) {
          const p = pending[i]!;
          if ('effectId' in p.event && p.event.effectId === c.effectId) pending.splice(i, 1);
        }
        history.push({ v, time: now, type: 'EffectCancelled', effectId: c.effectId });
        steps.push(execution.apply([history[history.length - 1]!]));
        return;
      }
      case 'CompleteExecution':
      case 'FaultExecution':
      case 'CancelExecution':
        return;
    }
  };
  if (script.cancelAt !== undefined) {
    later(T0 + script.cancelAt, {
      v: 1,
      time: 0,
      type: 'ExecutionCancelRequested',
      reason: 'test',
    });
  }
  push({
    v: 1,
    time: now,
    type: 'ExecutionStarted',
    workflow: { namespace: 'test', name: 't', version: '1.0.0', hash: 'h' },
    input: script.input ?? {},
    seed: script.seed ?? 'seed',
  });
  let guard = 0;
  while (pending.length > 0 && execution.status === 'running') {
    if (++guard > 10_000) throw new Error('simulation does not end');
    pending.sort((a, b) => a.time - b.time || a.seq - b.seq);
    const next = pending.shift()!;
    now = Math.max(now, next.time);
    push({ ...next.event, time: now } as HistoryEvent);
  }
  void listenOf;
  const terminal = steps
    .flat()
    .filter((c) => ['CompleteExecution', 'FaultExecution', 'CancelExecution'].includes(c.type));
  if (terminal.length > (execution.status === 'running' ? 0 : 1)) {
    throw new Error(`the execution ended ${terminal.length} times: ${JSON.stringify(terminal)}`);
  }
  return { history, steps, execution };
}

/** Run a scenario and compare it with its golden file (GOLDEN_UPDATE=1 rewrites it).
 *  The golden's history is also fed to a fresh Execution event by event, and the
 *  commands must match exactly: history in, exact commands out. */
export function golden(name: string, ir: WorkflowIR, script: Script = {}): Run {
  const run = simulate(ir, script);
  const file = new URL(`../golden/${name}.json`, import.meta.url);
  const record = { history: run.history, steps: run.steps };
  if (process.env.GOLDEN_UPDATE === '1' || !existsSync(file)) {
    if (process.env.GOLDEN_UPDATE !== '1')
      throw new Error(`golden ${name}.json is missing; run with GOLDEN_UPDATE=1`);
    // One history event and one step's commands per line: diffs read like a history.
    const lines = (xs: unknown[]) => xs.map((x) => '  ' + JSON.stringify(x)).join(',\n');
    writeFileSync(
      file,
      `{\n "history": [\n${lines(record.history)}\n ],\n "steps": [\n${lines(record.steps)}\n ]\n}\n`,
    );
  }
  const stored = JSON.parse(readFileSync(file, 'utf8')) as typeof record;
  expect(JSON.parse(JSON.stringify(record))).toEqual(stored);
  const fresh = new Execution(ir, { executionId: 'ex1', ...script.ctx });
  stored.history.forEach((event, i) => {
    expect(fresh.apply([event]), `commands after event ${i} (${event.type})`).toEqual(
      stored.steps[i],
    );
  });
  return run;
}

export function commandsOf(run: Run): Command[] {
  return run.steps.flat();
}

export function last(run: Run): Command | undefined {
  const all = commandsOf(run);
  return all[all.length - 1];
}

/** Dedent a YAML template literal and compile it as the `do:` list of a document.
 *  Usage: flow`- a: {set: {x: 1}}` (the text after `do:`). */
export function tasks(text: string, head = ''): WorkflowIR {
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(
    ...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length),
  );
  const body = lines.map((l) => '  ' + l.slice(indent)).join('\n');
  return compile(wf(body + '\n', head));
}

export function runTasks(text: string, script: Script = {}, head = ''): Run {
  return simulate(tasks(text, head), script);
}
