// Sends one request with Node's fetch. Redirects: with `redirect: false` (the default) a
// 3xx answer is an error; with `true` fetch follows them (each hop through the host map).
// A non-2xx answer becomes a communication problem whose status is the HTTP status and
// whose detail quotes the start of the body. The caller's AbortSignal cancels the call
// (the core cancels on timeouts, lost races and execution cancellation).
import type { Json } from '../../history/events.js';
import type { HostMap } from '../hostmap.js';
import { applyHostMap } from '../hostmap.js';
import { ProblemError, problem } from '../problems.js';
import type { HttpRequest } from './request.js';
import { type OutputFormat, shapeResult } from './response.js';

const maxRedirects = 10;
const excerptLength = 500;

export interface SendOptions {
  redirect: boolean;
  output: OutputFormat;
  hostMap: HostMap;
  signal?: AbortSignal;
}

function excerpt(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.length > excerptLength ? text.slice(0, excerptLength) + '...' : text;
}

export async function send(req: HttpRequest, options: SendOptions): Promise<Json> {
  let url = req.url;
  let method = req.method;
  let body = req.body;
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: req.headers,
        body,
        redirect: 'manual',
        signal: options.signal,
      });
    } catch (e) {
      if (options.signal?.aborted) throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new ProblemError(
        problem(
          'communication',
          'Request failed',
          `${method} ${url.href} failed: ${cause?.code ?? cause?.message ?? (e as Error).message}`,
        ),
      );
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location !== null) {
      if (!options.redirect) {
        throw new ProblemError(
          problem(
            'communication',
            `Unexpected redirect ${res.status}`,
            `${method} ${url.href} answered ${res.status} to ${location}; set 'redirect: true' to follow redirects`,
            { status: res.status },
          ),
          false,
        );
      }
      if (hop >= maxRedirects) {
        throw new ProblemError(
          problem(
            'communication',
            'Too many redirects',
            `${req.method} ${req.url.href}: more than ${maxRedirects} redirects`,
          ),
          false,
        );
      }
      url = applyHostMap(new URL(location, url), options.hostMap);
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      continue;
    }
    if (res.status < 200 || res.status >= 300) {
      throw new ProblemError(
        problem(
          'communication',
          `HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`,
          `${method} ${url.href} answered ${res.status}: ${excerpt(bytes)}`,
          { status: res.status },
        ),
        // 4xx other than 408/429 will not get better by retrying
        res.status >= 500 || res.status === 408 || res.status === 429,
      );
    }
    return shapeResult(options.output, { ...req, url, method }, res.status, res.headers, bytes);
  }
}
