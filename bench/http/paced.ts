// An open-loop load at a fixed rate, evenly paced (as wrk2 does): request i is due at
// t0 + i / rate whatever the earlier ones are doing, and its latency counts from that
// due time, not from when a free connection let it go (no coordinated omission).
//
// Why not autocannon's `overallRate`: each connection sends its share of a second's
// requests back to back and then waits for the next second (autocannon/lib/httpClient.js,
// `reqsMadeThisSecond`), so 500/s offered through 32 connections is a burst of 500
// requests at full speed at the start of every second, and its latency is that of 32
// concurrent connections at saturation. bench/http/run.ts prints both.
import { Agent, request } from 'node:http';

export interface PacedResult {
  sent: number;
  ok: number;
  failed: number;
  /** Latency from each request's due time, in ms. */
  p50: number;
  p99: number;
  max: number;
}

export interface PacedOptions {
  url: string;
  body: string;
  rate: number;
  seconds: number;
  /** Most requests in flight at once (sockets kept alive). */
  maxSockets?: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

export function paced(options: PacedOptions): Promise<PacedResult> {
  const { url, body, rate, seconds } = options;
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let settled = 0;
  const t0 = performance.now();
  const length = Buffer.byteLength(body);

  return new Promise((resolve) => {
    const finish = () => {
      agent.destroy();
      latencies.sort((a, b) => a - b);
      resolve({
        sent,
        ok,
        failed,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies[latencies.length - 1] ?? NaN,
      });
    };
    const send = (due: number) => {
      sent++;
      const req = request(url, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': length },
      });
      const done = (good: boolean) => {
        latencies.push(performance.now() - due);
        if (good) ok++;
        else failed++;
        if (++settled === total) finish();
      };
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode === 201));
      });
      req.on('error', () => done(false));
      req.end(body);
    };
    // every tick sends the requests that have come due (a timer may fire late; the
    // latency of a request it held back still counts from its due time)
    const tick = () => {
      const now = performance.now();
      while (sent < total && t0 + (sent * 1000) / rate <= now) send(t0 + (sent * 1000) / rate);
      if (sent < total) setTimeout(tick, Math.max(0, t0 + (sent * 1000) / rate - now));
    };
    tick();
  });
}
