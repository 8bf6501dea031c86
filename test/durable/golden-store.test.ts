// Golden histories through the store, one scenario per task type: each runs on the durable
// engine (SQLite), its history (normalised: no times, ids or seeds) must equal
// test/durable/golden/<name>.json (GOLDEN_UPDATE=1 rewrites them after a deliberate
// change), and then the execution is recovered from EVERY prefix of its golden run written
// into a fresh store: it must end with the same outcome and the same effects.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryEvent, Json } from '../../src/history/events.js';
import { DurableEngine } from '../../src/runtime/durable/engine.js';
import { retryable } from '../../src/runtime/problems.js';
import { openSqliteStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';

const head = (name: string) =>
  `document: {dsl: '1.0.0', namespace: test, name: ${name}, version: '1.0.0'}\n`;

const child = head('child') + 'do:\n  - c: {call: f, with: {child: true}}\n';

const scenarios: { name: string; doc: string; input?: Json }[] = [
  { name: 'call', doc: `- c: {call: f, with: {x: '\${ .a }'}}`, input: { a: 1 } },
  {
    name: 'set-switch',
    doc: `
- inc: {set: {n: '\${ .n + 1 }'}}
- check:
    switch:
      - again: {when: '.n < 3', then: inc}
      - done: {then: end}`,
    input: { n: 0 },
  },
  {
    name: 'for',
    doc: `
- each:
    for: {each: x, in: '.xs'}
    do:
      - c: {call: f, with: {x: '\${ $x }'}}`,
    input: { xs: [1, 2, 3] },
  },
  {
    name: 'fork',
    doc: `
- f:
    fork:
      branches:
        - a: {call: f, with: {x: 1}}
        - b: {wait: {milliseconds: 5}}`,
  },
  {
    name: 'try-catch-retry',
    doc: `
- t:
    try:
      - c: {call: fail}
    catch:
      as: e
      retry: {delay: {milliseconds: 5}, limit: {attempt: {count: 3}}}`,
  },
  { name: 'wait', doc: `- w: {wait: {milliseconds: 20}}\n- s: {set: {waited: true}}` },
  {
    name: 'run-child',
    doc: `- r: {run: {workflow: {namespace: test, name: child, version: '1.0.0'}}}`,
  },
  {
    name: 'raise',
    doc: `- r: {raise: {error: {type: 'https://example.com/e', status: 409, title: No}}}`,
  },
];

function engineOn(store: Store): DurableEngine {
  const engine = new DurableEngine({ store, env: {} });
  engine.registerFunction('f', (args) => ({ got: args }));
  engine.registerFunction('fail', () => {
    throw retryable({ title: 'Down', status: 500 });
  });
  return engine;
}

async function prepare(store: Store, doc: string): Promise<DurableEngine> {
  const engine = engineOn(store);
  await engine.register(child);
  await engine.register(head('w') + 'do:\n' + doc.replace(/^\n/, ''));
  return engine;
}

function normalise(history: readonly HistoryEvent[], id: string): Json[] {
  // a timer's delay counts from the time of the outcome the interpreter applied (its now)
  let applied = 0;
  return history.map((e) => {
    const o: Record<string, Json | undefined> = { ...(e as unknown as Record<string, Json>) };
    if (e.type === 'ExecutionStarted' || !e.type.endsWith('Started')) applied = e.time;
    if (e.type === 'TimerStarted') o.fireAt = e.fireAt - applied;
    delete o.time;
    if (e.type === 'ExecutionStarted') o.seed = 'seed';
    if ('key' in o && typeof o.key === 'string') o.key = o.key.split(id).join('X');
    if (e.type === 'ChildStarted') o.childExecutionId = 'child';
    return JSON.parse(JSON.stringify(o)) as Json;
  });
}

function outcomeOf(history: readonly HistoryEvent[]): Json {
  const last = history.at(-1)!;
  if (last.type === 'ExecutionCompleted') return { completed: last.output };
  if (last.type === 'ExecutionFaulted')
    return { faulted: last.error.title ?? '', status: last.error.status };
  return { other: last.type };
}

const effects = (h: readonly HistoryEvent[]) =>
  h
    .filter((e) => e.type.endsWith('Started') && e.type !== 'ExecutionStarted')
    .map(
      (e) =>
        `${e.type} ${(e as { effectId: number }).effectId} ${(e as { taskId: string }).taskId}`,
    )
    .sort();

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

function memoryStore(): Store {
  const s = openSqliteStore({ path: ':memory:' });
  stores.push(s);
  return s;
}

describe('golden histories through the store', () => {
  for (const s of scenarios) {
    it(`${s.name}: records the golden history and recovers from every prefix of it`, async () => {
      const store = memoryStore();
      const engine = await prepare(store, s.doc);
      const h = await engine.start({ namespace: 'test', name: 'w' }, s.input ?? {});
      await h.outcome;
      const history = (await engine.history(h.id)).map((r) => r.event);
      const file = new URL(`./golden/${s.name}.json`, import.meta.url);
      const actual = normalise(history, h.id);
      if (process.env.GOLDEN_UPDATE || !existsSync(file))
        writeFileSync(file, JSON.stringify(actual, null, 2) + '\n');
      expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));

      for (let k = 1; k < history.length; k++) {
        const prefix = history.slice(0, k);
        const fresh = memoryStore();
        const e2 = await prepare(fresh, s.doc);
        const started = prefix[0]!;
        if (started.type !== 'ExecutionStarted') throw new Error('no start');
        await fresh.createExecution({
          id: h.id,
          workflow: started.workflow,
          input: started.input,
          startedEvent: started,
        });
        if (k > 1)
          await fresh.commit({
            now: 0,
            writes: [{ executionId: h.id, expectedNextSeq: 2, events: prefix.slice(1) }],
          });
        for (const c of prefix)
          if (c.type === 'ChildStarted') {
            // in a real run the child is created in the same commit as its ChildStarted
            const w = (await fresh.listWorkflowVersions('test', 'child'))[0]!;
            const workflow = { namespace: 'test', name: 'child', version: '1.0.0', hash: w.hash };
            await fresh.createExecution({
              id: c.childExecutionId,
              workflow,
              input: c.input,
              parentId: h.id,
              startedEvent: {
                v: 1,
                type: 'ExecutionStarted',
                time: c.time,
                workflow,
                input: c.input,
                seed: 's',
                parent: { executionId: h.id, effectId: c.effectId },
              },
            });
          }
        const { resumed } = await e2.recover();
        expect(resumed, `prefix ${k}`).toContain(h.id);
        await (await e2.handle(h.id))!.outcome;
        const again = (await e2.history(h.id)).map((r) => r.event);
        expect(outcomeOf(again), `prefix ${k}`).toEqual(outcomeOf(history));
        expect(effects(again), `prefix ${k}`).toEqual(effects(history));
        await e2.close();
      }
    });
  }
});
