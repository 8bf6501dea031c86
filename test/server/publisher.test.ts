// The publisher of the server's streams (src/server/publisher.ts) with a fake store and
// the engine's hooks: executions driven here come from the hooks, the others from the
// store's history feed, each read from its own cursor, so a lost notification delays
// events but never loses, reorders or repeats them; nothing is read that no stream wants.
import { beforeEach, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../src/history/events.js';
import { Hooks } from '../../src/runtime/hooks.js';
import type { SequencedEvent } from '../../src/server/port.js';
import { Publisher } from '../../src/server/publisher.js';
import type {
  ExecutionRecord,
  HistoryChange,
  HistoryRecord,
  Store,
} from '../../src/store/index.js';

const T0 = 1_700_000_000_000;
const ev = (type: string): HistoryEvent => ({ type, v: 1, time: T0 }) as unknown as HistoryEvent;

/** Histories by execution, their namespaces, and every read the publisher makes. */
class FakeStore {
  readonly histories = new Map<string, HistoryEvent[]>();
  readonly namespaces = new Map<string, string>();
  readonly reads: string[] = [];
  feed: ((changes: readonly HistoryChange[]) => void) | undefined;

  append(id: string, namespace: string, ...types: string[]): HistoryChange {
    this.namespaces.set(id, namespace);
    const h = this.histories.get(id) ?? [];
    this.histories.set(id, h);
    const firstSeq = h.length + 1;
    h.push(...types.map(ev));
    return { executionId: id, firstSeq, lastSeq: h.length };
  }

  onHistory(callback: (changes: readonly HistoryChange[]) => void): () => void {
    this.feed = callback;
    return () => (this.feed = undefined);
  }

  async getExecution(id: string): Promise<ExecutionRecord | undefined> {
    this.reads.push(`execution ${id}`);
    const namespace = this.namespaces.get(id);
    if (!namespace) return undefined;
    return { workflow: { namespace, name: 'w', version: '1', hash: 'h' } } as ExecutionRecord;
  }

  async loadHistory(id: string, opts: { after?: number } = {}): Promise<HistoryRecord[]> {
    this.reads.push(`history ${id} after ${opts.after ?? 0}`);
    const after = opts.after ?? 0;
    return (this.histories.get(id) ?? [])
      .map((event, i) => ({ seq: i + 1, event }) as HistoryRecord)
      .filter((r) => r.seq > after);
  }
}

let store: FakeStore;
let hooks: Hooks;
let publisher: Publisher;

beforeEach(() => {
  store = new FakeStore();
  hooks = new Hooks();
  publisher = new Publisher(hooks, store as unknown as Store);
});

/** Lets the publisher's chained reads run. */
const settle = () => new Promise((r) => setTimeout(r, 5));

function listen(filter: Parameters<Publisher['subscribe']>[0] = {}) {
  const got: SequencedEvent[] = [];
  const off = publisher.subscribe(filter, (e) => got.push(e));
  const seqs = (id: string) => got.filter((e) => e.executionId === id).map((e) => e.seq);
  return { got, off, seqs };
}

describe('the publisher of the server streams', () => {
  it('reads an execution another process drives from its cursor: a lost change delays, never loses', async () => {
    const l = listen();
    store.feed!([store.append('r', 'a', 'ExecutionStarted', 'TaskStarted')]);
    await settle();
    expect(l.seqs('r')).toEqual([1, 2]);
    store.append('r', 'a', 'TaskCompleted'); // its notification was lost
    store.feed!([store.append('r', 'a', 'TaskStarted')]);
    await settle();
    expect(l.seqs('r')).toEqual([1, 2, 3, 4]);
    // the same change again (or a stale one) reads nothing and repeats nothing
    const reads = store.reads.length;
    store.feed!([{ executionId: 'r', firstSeq: 4, lastSeq: 4 }]);
    await settle();
    expect(l.seqs('r')).toEqual([1, 2, 3, 4]);
    expect(store.reads.length).toBe(reads);
    l.off();
  });

  it('catches every followed execution up when the feed says changes were missed', async () => {
    const l = listen();
    store.feed!([store.append('r', 'a', 'ExecutionStarted')]);
    await settle();
    // the feed's connection was down: the end of `r` was never notified
    store.append('r', 'a', 'TaskStarted', 'ExecutionCompleted');
    store.feed!([]);
    await settle();
    expect(l.seqs('r')).toEqual([1, 2, 3]);
    // ended: no longer followed, nothing read for it again
    const reads = store.reads.length;
    store.feed!([]);
    await settle();
    expect(store.reads.length).toBe(reads);
    l.off();
  });

  it('starts a firehose live: an execution first heard of mid-way is published from there', async () => {
    store.append('r', 'a', 'ExecutionStarted', 'TaskStarted');
    const l = listen();
    store.feed!([store.append('r', 'a', 'TaskCompleted', 'ExecutionCompleted')]);
    await settle();
    expect(l.seqs('r')).toEqual([3, 4]);
    l.off();
  });

  it('reads nothing that no open stream wants', async () => {
    const stream = listen({ executionId: 'mine' });
    store.feed!([store.append('other', 'a', 'ExecutionStarted')]);
    await settle();
    expect(store.reads).toEqual([]); // only an execution stream of another is open
    stream.off();
    const b = listen({ namespace: 'b' });
    store.feed!([store.append('x', 'a', 'ExecutionStarted')]);
    store.feed!([store.append('x', 'a', 'TaskStarted')]);
    await settle();
    // its namespace is read once to know; its history never
    expect(store.reads).toEqual(['execution x']);
    expect(b.got).toEqual([]);
    b.off();
    expect(store.feed).toBeUndefined(); // the last stream closed: the feed is left
  });

  it('takes what this process drives from the hooks, and follows it through the feed once it is lost', async () => {
    const l = listen();
    const workflow = { namespace: 'a', name: 'w', version: '1', hash: 'h' };
    const started = store.append('d', 'a', 'ExecutionStarted');
    hooks.emit('execution:started', {
      executionId: 'd',
      workflow,
      started: ev('ExecutionStarted'),
    });
    const step = store.append('d', 'a', 'TaskStarted');
    hooks.emit('history:appended', { executionId: 'd', events: [ev('TaskStarted')], firstSeq: 2 });
    store.feed!([started, step]); // its own commits' notifications: the hooks had them
    await settle();
    expect(l.seqs('d')).toEqual([2]); // not started here by start(): from its next event
    expect(store.reads).toEqual([]);
    hooks.emit('execution:lost', { executionId: 'd', reason: 'LeaseLostError' });
    store.feed!([store.append('d', 'a', 'TaskCompleted', 'ExecutionCompleted')]);
    await settle();
    expect(l.seqs('d')).toEqual([2, 3, 4]);
    expect(store.reads).toEqual(['history d after 2']);
    l.off();
  });
});
