// Wake-ups for workers (DESIGN.md "Storage"): one dedicated connection LISTENs on the
// store's channel; commits that add work NOTIFY it (pg_notify inside the transaction, so
// the wake-up is delivered at COMMIT and dropped on ROLLBACK) with the earliest dueAt of
// the new work as payload.
//
// Polling is the fallback: while the listening connection is down (PostgreSQL restart,
// killed backend) it is re-opened with backoff (100 ms doubling to 5 s), and every
// `pollMs` each subscriber is called without a dueAt, so workers keep checking for work.
// After a reconnect every subscriber is called once, since notifications sent while we
// were away are lost.
//
// The events log (appendEvents) NOTIFYs the same channel with the payload `events`:
// those go to the subscribers of events only, so workers are not woken for them.
//
// The history feed (history-feed.ts) has a channel of its own, LISTENed only while it
// has subscribers: every commit sends to it, and only a process with open streams reads.
// Notifications sent while the connection was down are lost: its subscribers are called
// with an empty list then (every pollMs while down, and once after the reconnect), and
// catch up from the store with their cursors.

import pg from 'pg';
import type { HistoryChange } from '../types.js';
import { parseHistoryPayload } from './history-feed.js';

export type WorkCallback = (dueAt: number | undefined) => void;

/** The NOTIFY payload of stored events (work payloads are a dueAt number). */
export const eventsPayload = 'events';

export interface ListenerOptions {
  config: pg.ClientConfig;
  channel: string;
  /** The history feed's channel (history-feed.ts). */
  historyChannel: string;
  pollMs: number;
}

export type HistoryCallback = (changes: readonly HistoryChange[]) => void;

export class WorkListener {
  private readonly callbacks = new Set<WorkCallback>();
  private readonly eventCallbacks = new Set<() => void>();
  private readonly historyCallbacks = new Set<HistoryCallback>();
  /** Whether the connection LISTENs on the history channel now. */
  private hearingHistory = false;
  private client: pg.Client | undefined;
  private connected = false;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private stopped = true;
  /** Connections opened so far (tests check that a lost one was replaced). */
  connects = 0;

  constructor(private readonly options: ListenerOptions) {}

  get listening(): boolean {
    return this.connected;
  }

  subscribe(callback: WorkCallback): () => void {
    return this.add(this.callbacks, callback);
  }

  /** Wake-ups for stored events (and every pollMs while LISTEN is down). */
  subscribeEvents(callback: () => void): () => void {
    return this.add(this.eventCallbacks, callback);
  }

  /** What other processes append to histories (Store.onHistory). */
  subscribeHistory(callback: HistoryCallback): () => void {
    const off = this.add(this.historyCallbacks, callback);
    void this.hearHistory();
    return () => {
      off();
      void this.hearHistory();
    };
  }

  private add<C>(set: Set<C>, callback: C): () => void {
    set.add(callback);
    if (this.stopped) {
      this.stopped = false;
      this.startPolling();
      void this.connect();
    }
    return () => {
      set.delete(callback);
      if (this.callbacks.size + this.eventCallbacks.size + this.historyCallbacks.size === 0)
        void this.stop();
    };
  }

  /** LISTENs on the history channel while it has subscribers, and only then. */
  private async hearHistory(): Promise<void> {
    const client = this.client;
    const want = this.historyCallbacks.size > 0;
    if (!client || !this.connected || want === this.hearingHistory) return;
    this.hearingHistory = want;
    try {
      await client.query(`${want ? 'LISTEN' : 'UNLISTEN'} "${this.options.historyChannel}"`);
    } catch {
      this.lost(client); // the reconnect LISTENs again as the subscribers then need
    }
  }

  private fireHistory(changes: readonly HistoryChange[]): void {
    for (const callback of [...this.historyCallbacks]) {
      try {
        callback(changes);
      } catch {
        // as in fire()
      }
    }
  }

  private fire(dueAt: number | undefined): void {
    for (const callback of [...this.callbacks]) {
      try {
        callback(dueAt);
      } catch {
        // A subscriber's failure is its own; the others still hear about the work.
      }
    }
  }

  private fireEvents(): void {
    for (const callback of [...this.eventCallbacks]) {
      try {
        callback();
      } catch {
        // as in fire()
      }
    }
  }

  /** No notification could have arrived (down, or just reconnected): everyone checks.
   *  History subscribers get an empty list: changes may have been missed. */
  private fireAll(): void {
    this.fire(undefined);
    this.fireEvents();
    this.fireHistory([]);
  }

  private startPolling(): void {
    if (this.pollTimer) return;
    this.pollTimer = setInterval(() => {
      if (!this.connected) this.fireAll();
    }, this.options.pollMs);
    this.pollTimer.unref();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client(this.options.config);
    this.client = client;
    client.on('notification', (message) => {
      if (message.channel === this.options.historyChannel) {
        const changes = message.payload ? parseHistoryPayload(message.payload) : undefined;
        if (changes) this.fireHistory(changes);
        return;
      }
      if (message.payload === eventsPayload) return this.fireEvents();
      const dueAt = Number(message.payload);
      this.fire(message.payload && Number.isFinite(dueAt) ? dueAt : undefined);
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.options.channel}"`);
      this.hearingHistory = this.historyCallbacks.size > 0;
      if (this.hearingHistory) await client.query(`LISTEN "${this.options.historyChannel}"`);
    } catch {
      this.lost(client);
      return;
    }
    if (this.stopped || this.client !== client) {
      await client.end().catch(() => undefined);
      return;
    }
    const reconnected = this.connects > 0;
    this.connects += 1;
    this.connected = true;
    this.failures = 0;
    void this.hearHistory(); // a subscriber may have come or gone while connecting
    if (reconnected) this.fireAll();
  }

  private lost(client: pg.Client): void {
    // Closed whatever it is: also a client that stop() or a newer connect() already
    // replaced, whose connect failed after that (a LISTEN refused), or it would stay open.
    // Its 'error' listener stays: a closing client may still emit.
    client.removeAllListeners('notification');
    client.end().catch(() => undefined);
    if (this.client !== client) return;
    this.client = undefined;
    this.connected = false;
    this.hearingHistory = false;
    if (this.stopped || this.reconnectTimer) return;
    const wait = Math.min(100 * 2 ** this.failures, 5000);
    this.failures += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, wait);
    this.reconnectTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.callbacks.clear();
    this.eventCallbacks.clear();
    this.historyCallbacks.clear();
    this.hearingHistory = false;
    clearInterval(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    this.pollTimer = undefined;
    this.reconnectTimer = undefined;
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    if (client) await client.end().catch(() => undefined);
  }
}
