// Puts the app on a socket: HTTP through @hono/node-server, WebSocket upgrades through
// `ws` (noServer), authenticated and authorized like the routes before the upgrade.
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import { authenticate, createApp, type AppOptions } from './app.js';
import { notFound, toProblem } from './errors.js';
import { authorize } from './policy.js';
import {
  defaultStreamLimits,
  streamExecution,
  streamFirehose,
  type StreamLimits,
} from './stream.js';

export interface ServeOptions extends AppOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  streamLimits?: StreamLimits;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function refuse(socket: Duplex, err: unknown): void {
  const p = toProblem(err);
  const body = JSON.stringify(p);
  socket.end(
    `HTTP/1.1 ${p.status} ${p.title ?? 'Error'}\r\ncontent-type: application/problem+json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const enginePort = options.engine;
  const app = createApp(options);
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  // Idle keep-alive connections stay open longer than clients keep them (undici: 4 s,
  // most load balancers: 60 s), so a client never sends on a socket the server is
  // closing ("other side closed"); headersTimeout must exceed it (Node's rule).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const wss = new WebSocketServer({ noServer: true });
  const limits = options.streamLimits ?? defaultStreamLimits;

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const token = url.searchParams.get('access_token');
        const principal = authenticate(
          options.keys,
          req.headers.authorization ?? (token ? `Bearer ${token}` : undefined),
        );
        const one = /^\/api\/v1\/executions\/([^/]+)\/stream$/.exec(url.pathname);
        if (one) {
          const id = decodeURIComponent(one[1]!);
          const e = await enginePort.getExecution(id);
          if (!e) throw notFound(`execution ${id} does not exist`);
          authorize(principal, 'reader', e.workflow.namespace);
          const after = Number(url.searchParams.get('after') ?? 0);
          const from = Number.isInteger(after) && after >= 0 ? after : 0;
          wss.handleUpgrade(req, socket, head, (ws) => {
            streamExecution(ws, enginePort, id, from, limits).catch(() => ws.close(1011));
          });
          return;
        }
        if (url.pathname === '/api/v1/stream') {
          const namespace = url.searchParams.get('namespace') ?? undefined;
          const workflow = url.searchParams.get('workflow') ?? undefined;
          if (namespace !== undefined) authorize(principal, 'reader', namespace);
          else
            authorize(
              principal,
              'reader',
              principal.namespaces === '*' ? '*' : (principal.namespaces[0] ?? '*'),
            );
          wss.handleUpgrade(req, socket, head, (ws) => {
            streamFirehose(
              ws,
              enginePort,
              principal,
              {
                ...(namespace === undefined ? {} : { namespace }),
                ...(workflow === undefined ? {} : { workflow }),
              },
              limits,
            );
          });
          return;
        }
        throw notFound(`no stream at ${url.pathname}`);
      } catch (err) {
        refuse(socket, err);
      }
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}
