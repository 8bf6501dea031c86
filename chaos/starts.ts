// Starting the chaos executions through `weft serve`'s HTTP API: register the workflow,
// then POST /executions with Idempotency-Key chaos-<i>, `concurrency` at a time. A start
// that fails (a 5xx while PostgreSQL restarts, a connection reset) is sent again with the
// same key: the server returns the execution the first attempt made, if it made one.
import { chaosRef, chaosWorkflows } from './workflow.js';

export interface StartCounts {
  started: number;
  /** Starts sent again after a failed attempt. */
  retries: number;
  /** Starts answered 200 (the key was seen before: a retry whose first attempt had landed). */
  replayed: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text };
}

/** Retries a request until it answers below 500, for up to `budgetMs`. */
async function withRetry(
  what: string,
  budgetMs: number,
  send: () => Promise<{ status: number; text: string }>,
  onRetry: () => void,
): Promise<{ status: number; text: string }> {
  const until = Date.now() + budgetMs;
  for (let attempt = 0; ; attempt++) {
    let failure: string;
    try {
      const r = await send();
      if (r.status < 500) return r;
      failure = `${r.status} ${r.text.slice(0, 200)}`;
    } catch (e) {
      failure = String((e as Error).cause ?? e);
    }
    if (Date.now() > until)
      throw new Error(`${what}: still failing after ${budgetMs} ms: ${failure}`);
    onRetry();
    await sleep(Math.min(100 * 2 ** attempt, 2000));
  }
}

export async function registerChaosWorkflow(api: string, ledgerUrl: string, waitMs: number) {
  for (const document of chaosWorkflows(ledgerUrl, waitMs)) {
    const r = await withRetry(
      'register',
      30_000,
      () => post(`${api}/workflows`, JSON.parse(document) as unknown),
      () => undefined,
    );
    if (r.status !== 201 && r.status !== 200) throw new Error(`register: ${r.status} ${r.text}`);
  }
}

export async function startAll(
  api: string,
  count: number,
  concurrency: number,
  budgetMs: number,
): Promise<StartCounts> {
  const c: StartCounts = { started: 0, retries: 0, replayed: 0 };
  let next = 0;
  const one = async (i: number) => {
    let retried = false;
    const r = await withRetry(
      `start chaos-${i}`,
      budgetMs,
      () =>
        post(
          `${api}/executions`,
          { workflow: chaosRef, input: { i } },
          { 'idempotency-key': `chaos-${i}` },
        ),
      () => {
        retried = true;
        c.retries++;
      },
    );
    if (r.status !== 201 && r.status !== 200)
      throw new Error(`start chaos-${i}: ${r.status} ${r.text}`);
    if (r.status === 200 && retried) c.replayed++;
    c.started++;
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await one(next++);
    }),
  );
  return c;
}
