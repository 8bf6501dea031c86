// From an HTTP response to the call's result, per `output`:
// - content (default): the body parsed by its content type (JSON for application/json and
//   +json, text for text/* and xml, base64 for anything else), null when empty;
// - response: {request: {method, uri, headers}, statusCode, headers, content};
// - raw: the body as base64.
// The `authorization` header is never echoed into `response.request.headers` (results are
// recorded in the history).
import type { Json } from '../../history/events.js';
import type { HttpRequest } from './request.js';

export type OutputFormat = 'content' | 'response' | 'raw';

export function outputFormat(v: Json | undefined): OutputFormat {
  if (v === undefined || v === null) return 'content';
  if (v === 'content' || v === 'response' || v === 'raw') return v;
  throw new Error(`output must be content, response or raw, got ${JSON.stringify(v)}`);
}

export function parseBody(bytes: Buffer, contentType: string | null): Json {
  if (bytes.length === 0) return null;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const text = () => bytes.toString('utf8');
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return JSON.parse(text()) as Json;
    } catch {
      return text();
    }
  }
  if (type === '') {
    // no content type: JSON when it parses, text otherwise
    try {
      return JSON.parse(text()) as Json;
    } catch {
      return text();
    }
  }
  if (
    type.startsWith('text/') ||
    type.endsWith('xml') ||
    type === 'application/x-www-form-urlencoded'
  )
    return text();
  return bytes.toString('base64');
}

export function headersObject(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

export function shapeResult(
  format: OutputFormat,
  req: HttpRequest,
  status: number,
  headers: Headers,
  bytes: Buffer,
): Json {
  if (format === 'raw') return bytes.toString('base64');
  const content = parseBody(bytes, headers.get('content-type'));
  if (format === 'content') return content;
  const sent: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    sent[k] = k === 'authorization' ? '[redacted]' : v;
  return {
    request: { method: req.method, uri: req.url.href, headers: sent },
    statusCode: status,
    headers: headersObject(headers),
    content,
  };
}
