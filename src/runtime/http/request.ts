// From the resolved `with` of an http call to the request weft sends: the URI (template
// expanded with the task input, query added, host map applied), headers and body.
import type { Json } from '../../history/events.js';
import { type HostMap, applyHostMap } from '../hostmap.js';
import { ProblemError, problem } from '../problems.js';
import { type AuthContext, authorizationHeader } from './auth.js';
import { expandUriTemplate } from './uri-template.js';

export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

type Obj = { [k: string]: Json };

function isObj(v: Json | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(detail: string): never {
  throw new ProblemError(problem('configuration', 'Invalid http call', detail), false);
}

function stringOf(v: Json): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** `endpoint` as the DSL writes it: a URI (template) string, or {uri, authentication}. */
export function endpointParts(endpoint: Json | undefined): { uri: string; authentication?: Json } {
  if (typeof endpoint === 'string') return { uri: endpoint };
  if (isObj(endpoint)) {
    const uri = endpoint.uri;
    if (typeof uri !== 'string') bad('endpoint.uri must be a string');
    return endpoint.authentication === undefined
      ? { uri }
      : { uri, authentication: endpoint.authentication };
  }
  return bad('endpoint must be a URI string or {uri, authentication}');
}

/** Resolves a URI (template) against the task input and the host map. */
export function resolveUrl(uri: string, input: Json, hostMap: HostMap): URL {
  let expanded: string;
  try {
    expanded = uri.includes('{') ? expandUriTemplate(uri, input) : uri;
  } catch (e) {
    return bad((e as Error).message);
  }
  let url: URL;
  try {
    url = new URL(expanded);
  } catch {
    return bad(`endpoint '${expanded}' is not an absolute URI`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    bad(`endpoint '${expanded}' must use http or https`);
  return applyHostMap(url, hostMap);
}

export interface BuildContext extends AuthContext {
  input: Json;
  hostMap: HostMap;
  /** Sent as this header's value when idempotencyHeader is set. */
  idempotencyKey?: string;
  idempotencyHeader?: string;
}

/** Builds the request of a `call: http` from its resolved `with`. */
export function buildHttpRequest(args: Json, ctx: BuildContext): HttpRequest {
  if (!isObj(args)) bad('with must be an object');
  const method =
    typeof args.method === 'string' ? args.method.toUpperCase() : bad('with.method is required');
  const { uri, authentication } = endpointParts(args.endpoint);
  const url = resolveUrl(uri, ctx.input, ctx.hostMap);
  if (args.query !== undefined && args.query !== null) {
    if (!isObj(args.query)) bad('with.query must be an object');
    for (const [k, v] of Object.entries(args.query)) {
      if (v === null) continue;
      for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, stringOf(item));
    }
  }
  const headers: Record<string, string> = {};
  if (args.headers !== undefined && args.headers !== null) {
    if (!isObj(args.headers)) bad('with.headers must be an object');
    for (const [k, v] of Object.entries(args.headers))
      if (v !== null) headers[k.toLowerCase()] = stringOf(v);
  }
  const authorization = authorizationHeader(authentication, ctx);
  if (authorization !== undefined) headers.authorization = authorization;
  if (ctx.idempotencyHeader && ctx.idempotencyKey)
    headers[ctx.idempotencyHeader.toLowerCase()] = ctx.idempotencyKey;
  const req: HttpRequest = { method, url, headers };
  const body = args.body;
  if (body !== undefined && body !== null) {
    if (method === 'GET' || method === 'HEAD')
      bad(`a ${method} request cannot carry a body; use query or another method`);
    // JSON by default; a string is sent as is (text/plain unless a content-type is given).
    if (typeof body === 'string') {
      req.body = body;
      headers['content-type'] ??= 'text/plain; charset=utf-8';
    } else {
      req.body = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
  }
  headers.accept ??= 'application/json, */*;q=0.8';
  return req;
}
