// A real WebSocket client for the stream tests.
import WebSocket from 'ws';

export interface Message {
  kind: 'history' | 'lifecycle' | 'end';
  seq: number;
  executionId: string;
  event?: { type: string };
  cloudevent?: { type: string; id: string };
}

export interface Opened {
  ws: WebSocket;
  messages: Message[];
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves once `n` messages have arrived. */
  next(n: number): Promise<Message[]>;
}

export function open(url: string, headers: Record<string, string> = {}): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const messages: Message[] = [];
    const waiters: { n: number; resolve: (m: Message[]) => void }[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    ws.on('message', (data) => {
      messages.push(JSON.parse(String(data)) as Message);
      for (const w of waiters.filter((w) => messages.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(messages.slice());
      }
    });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        ws,
        messages,
        closed,
        next: (n) =>
          messages.length >= n
            ? Promise.resolve(messages.slice())
            : new Promise((r) => waiters.push({ n, resolve: r })),
      }),
    );
  });
}

/** The socket's close, or code -1 when it stays open past `ms` (an event never came). */
export function closedWithin(c: Opened, ms: number): Promise<{ code: number }> {
  return Promise.race([
    c.closed,
    new Promise<{ code: number }>((r) => setTimeout(() => r({ code: -1 }), ms)),
  ]);
}
