// The typed client of weft's HTTP API (docs/api.md), used by the CLI's client commands
// and usable from any Node program:
//
//   const weft = new WeftClient({ server: 'http://127.0.0.1:8080', key: process.env.WEFT_KEY });
//   const execution = await weft.start({ namespace: 'team-a', name: 'hello' }, { name: 'ada' });
//
// Every error answer is thrown as a WeftApiError carrying the server's problem object.
import WebSocket from 'ws';
import type { CloudEvent, HistoryEvent, Json, Problem, WorkflowRef } from '../history/events.js';
import type { ExecutionRecord, ExecutionState, WorkflowRecord } from '../store/types.js';

export type { CloudEvent, ExecutionRecord, HistoryEvent, Json, Problem, WorkflowRecord };

export interface ClientOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:8080 (WEFT_SERVER). */
  server: string;
  /** An API key `weft_...` (WEFT_KEY); none for a server without keys. */
  key?: string;
}

export class WeftApiError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.title ?? problem.type}: ${problem.detail ?? ''}`.trim());
    this.name = 'WeftApiError';
  }
}

export type WorkflowSummary = Omit<WorkflowRecord, 'source'> & { source?: string };
export interface Hook {
  id: string;
  namespace: string;
  type: string;
  source: string;
  createdAt: string;
  secret?: string;
}
export interface Approval {
  id: string;
  executionId: string;
  workflow: WorkflowRef;
  taskId: string;
  title: string;
  form: Json;
  roles: string[];
  state: 'open' | 'answered' | 'closed';
  answeredBy?: string;
  answer?: Json;
}
export interface HistoryItem {
  seq: number;
  executionId: string;
  event: HistoryEvent;
}
export interface StreamMessage {
  kind: 'history' | 'lifecycle' | 'end';
  seq: number;
  executionId: string;
  event?: HistoryEvent;
  cloudevent?: CloudEvent;
}
export interface ExecutionQuery {
  namespace?: string;
  workflow?: string;
  version?: string;
  status?: ExecutionState[];
  since?: string;
  until?: string;
  cursor?: string;
  limit?: number;
}

export class WeftClient {
  private readonly base: string;

  constructor(private readonly options: ClientOptions) {
    this.base = options.server.replace(/\/+$/, '') + '/api/v1';
  }

  private async request<T>(
    method: string,
    path: string,
    body?: { text: string; type: string },
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        ...(this.options.key ? { authorization: `Bearer ${this.options.key}` } : {}),
        ...(body ? { 'content-type': body.type } : {}),
        ...headers,
      },
      ...(body ? { body: body.text } : {}),
    });
    const text = await res.text();
    const parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
    if (!res.ok) {
      throw new WeftApiError(
        (parsed as Problem | undefined) ?? { type: 'about:blank', status: res.status },
      );
    }
    return { status: res.status, body: parsed as T };
  }

  private json(value: unknown) {
    return { text: JSON.stringify(value), type: 'application/json' };
  }

  async health(): Promise<{ status: 'ok'; version: string }> {
    return (await this.request<{ status: 'ok'; version: string }>('GET', '/health')).body;
  }

  /** Registers the documents of `text` (YAML unless `format` says JSON). */
  async registerWorkflow(text: string, format: 'yaml' | 'json' = 'yaml') {
    const type = format === 'json' ? 'application/json' : 'application/yaml';
    const r = await this.request<{ items: WorkflowSummary[] }>('POST', '/workflows', {
      text,
      type,
    });
    return { workflows: r.body.items, created: r.status === 201 };
  }

  async listWorkflows(namespace?: string): Promise<WorkflowSummary[]> {
    const q = namespace ? `?namespace=${encodeURIComponent(namespace)}` : '';
    return (await this.request<{ items: WorkflowSummary[] }>('GET', `/workflows${q}`)).body.items;
  }

  async listVersions(namespace: string, name: string): Promise<WorkflowSummary[]> {
    const p = `/workflows/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
    return (await this.request<{ items: WorkflowSummary[] }>('GET', p)).body.items;
  }

  async getWorkflow(ref: WorkflowRef): Promise<WorkflowSummary> {
    const p = [ref.namespace, ref.name, ref.version].map(encodeURIComponent).join('/');
    return (await this.request<WorkflowSummary>('GET', `/workflows/${p}`)).body;
  }

  /** Starts an execution; `created` is false when the idempotency key had started it. */
  async start(
    workflow: { namespace: string; name: string; version?: string },
    input?: Json,
    options: { idempotencyKey?: string } = {},
  ): Promise<{ execution: ExecutionRecord; created: boolean }> {
    const r = await this.request<ExecutionRecord>(
      'POST',
      '/executions',
      this.json({ workflow, ...(input === undefined ? {} : { input }) }),
      options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {},
    );
    return { execution: r.body, created: r.status === 201 };
  }

  async getExecution(id: string): Promise<ExecutionRecord> {
    return (await this.request<ExecutionRecord>('GET', `/executions/${encodeURIComponent(id)}`))
      .body;
  }

  async listExecutions(
    q: ExecutionQuery = {},
  ): Promise<{ items: ExecutionRecord[]; nextCursor?: string }> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) {
      if (v === undefined) continue;
      params.set(k, Array.isArray(v) ? v.join(',') : String(v));
    }
    const qs = params.size ? `?${params}` : '';
    return (
      await this.request<{ items: ExecutionRecord[]; nextCursor?: string }>(
        'GET',
        `/executions${qs}`,
      )
    ).body;
  }

  async history(id: string, after = 0): Promise<HistoryItem[]> {
    const p = `/executions/${encodeURIComponent(id)}/history?after=${after}`;
    return (await this.request<{ items: HistoryItem[] }>('GET', p)).body.items;
  }

  async cancel(id: string, reason?: string): Promise<ExecutionRecord> {
    const p = `/executions/${encodeURIComponent(id)}/cancel`;
    return (await this.request<ExecutionRecord>('POST', p, this.json(reason ? { reason } : {})))
      .body;
  }

  /** Ends it at once, without its finally blocks. */
  async terminate(id: string, reason?: string): Promise<ExecutionRecord> {
    const p = `/executions/${encodeURIComponent(id)}/terminate`;
    return (await this.request<ExecutionRecord>('POST', p, this.json(reason ? { reason } : {})))
      .body;
  }

  async suspend(id: string): Promise<ExecutionRecord> {
    const p = `/executions/${encodeURIComponent(id)}/suspend`;
    return (await this.request<ExecutionRecord>('POST', p)).body;
  }

  async resume(id: string): Promise<ExecutionRecord> {
    const p = `/executions/${encodeURIComponent(id)}/resume`;
    return (await this.request<ExecutionRecord>('POST', p)).body;
  }

  /** Sends one event (structured) or several (a batch). */
  async sendEvents(
    events: CloudEvent | CloudEvent[],
  ): Promise<{ accepted: number; ids: string[] }> {
    const batch = Array.isArray(events);
    const type = batch ? 'application/cloudevents-batch+json' : 'application/cloudevents+json';
    return (
      await this.request<{ accepted: number; ids: string[] }>('POST', '/events', {
        text: JSON.stringify(events),
        type,
      })
    ).body;
  }

  /** Open human tasks (docs/api.md "Human tasks"). */
  async listApprovals(namespace?: string): Promise<Approval[]> {
    const q = namespace ? `?namespace=${encodeURIComponent(namespace)}` : '';
    return (await this.request<{ items: Approval[] }>('GET', `/approvals${q}`)).body.items;
  }

  async answerApproval(id: string, answer: Json): Promise<Approval> {
    const p = `/approvals/${encodeURIComponent(id)}`;
    return (await this.request<Approval>('POST', p, this.json({ answer }))).body;
  }

  async createHook(namespace: string, type: string, source?: string): Promise<Hook> {
    return (
      await this.request<Hook>(
        'POST',
        '/hooks',
        this.json({ namespace, type, ...(source ? { source } : {}) }),
      )
    ).body;
  }

  async listHooks(): Promise<Hook[]> {
    return (await this.request<{ items: Hook[] }>('GET', '/hooks')).body.items;
  }

  async deleteHook(id: string): Promise<void> {
    await this.request('DELETE', `/hooks/${encodeURIComponent(id)}`);
  }

  /**
   * Follows an execution's stream from `after`; resolves with the last seq seen when the
   * stream ends. On a slow-consumer close (4001) or a dropped connection it reconnects
   * with after=<last seq>, so `onMessage` sees every event once.
   */
  async follow(
    id: string,
    onMessage: (m: StreamMessage) => void,
    after = 0,
    maxReconnects = 5,
  ): Promise<number> {
    let last = after;
    for (let attempt = 0; attempt <= maxReconnects; attempt++) {
      const ended = await new Promise<boolean>((resolve, reject) => {
        const url =
          this.base.replace(/^http/, 'ws') +
          `/executions/${encodeURIComponent(id)}/stream?after=${last}`;
        const ws = new WebSocket(url, {
          headers: this.options.key ? { authorization: `Bearer ${this.options.key}` } : {},
        });
        let done = false;
        ws.on('message', (data) => {
          const m = JSON.parse(String(data)) as StreamMessage;
          if (m.kind === 'history') last = m.seq;
          if (m.kind === 'end') done = true;
          onMessage(m);
        });
        ws.on('unexpected-response', (_req, res) =>
          reject(
            new WeftApiError({
              type: 'about:blank',
              status: res.statusCode ?? 500,
              title: 'stream refused',
            }),
          ),
        );
        ws.on('error', () => resolve(false));
        ws.on('close', () => resolve(done));
      });
      if (ended) return last;
    }
    throw new Error(`the stream of ${id} dropped ${maxReconnects + 1} times; last seq ${last}`);
  }
}

/** A client from WEFT_SERVER / WEFT_KEY unless given. */
export function clientFromEnv(
  server?: string,
  key?: string,
  env: NodeJS.ProcessEnv = process.env,
): WeftClient {
  const url = server ?? env.WEFT_SERVER ?? 'http://127.0.0.1:8080';
  const k = key ?? env.WEFT_KEY;
  return new WeftClient({ server: url, ...(k ? { key: k } : {}) });
}
