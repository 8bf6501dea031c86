// Finds an operation by operationId in an OpenAPI 3 or Swagger 2 document and builds the
// request of a `call: openapi` from its `parameters`:
// - path, query, header and cookie parameters go where the operation declares them;
// - the request body is the `body` parameter's value (Swagger 2 `in: body` under its
//   declared name, or a parameter named `body`), else the parameters the operation does
//   not declare, as one object (none left: no body); Swagger 2 `formData` parameters are
//   sent as application/x-www-form-urlencoded;
// - the base URL is `servers[0]` (OpenAPI 3, variables at their defaults, relative to
//   the document's location) or schemes/host/basePath (Swagger 2; https preferred).
import type { Json } from '../../history/events.js';
import { ProblemError, problem } from '../problems.js';
import type { HttpRequest } from '../http/request.js';
import type { LoadedDocument } from './load.js';

type Obj = { [k: string]: Json };
const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function isObj(v: Json | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(detail: string): never {
  throw new ProblemError(problem('configuration', 'Invalid openapi call', detail), false);
}

function deref(spec: Obj, v: Json | undefined): Json | undefined {
  for (let i = 0; i < 20 && isObj(v) && typeof v.$ref === 'string'; i++) {
    const ref = v.$ref;
    if (!ref.startsWith('#/')) bad(`only local $ref are supported, got '${ref}'`);
    let cur: Json | undefined = spec;
    for (const part of ref.slice(2).split('/')) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      cur = isObj(cur) ? cur[key] : undefined;
    }
    if (cur === undefined) bad(`$ref '${ref}' does not resolve`);
    v = cur;
  }
  return v;
}

export interface Operation {
  method: string;
  path: string;
  parameters: Obj[];
  /** Content type of the request body the operation consumes. */
  consumes?: string;
  hasRequestBody: boolean;
}

export function findOperation(doc: LoadedDocument, operationId: string): Operation {
  const paths = doc.spec.paths;
  if (!isObj(paths)) bad(`${doc.location.href} has no paths`);
  for (const [path, rawItem] of Object.entries(paths)) {
    const item = deref(doc.spec, rawItem);
    if (!isObj(item)) continue;
    for (const method of methods) {
      const op = item[method];
      if (!isObj(op) || op.operationId !== operationId) continue;
      const byKey = new Map<string, Obj>();
      for (const list of [item.parameters, op.parameters]) {
        if (!Array.isArray(list)) continue;
        for (const raw of list) {
          const p = deref(doc.spec, raw);
          if (isObj(p) && typeof p.name === 'string' && typeof p.in === 'string')
            byKey.set(`${p.in}:${p.name}`, p);
        }
      }
      const body = deref(doc.spec, op.requestBody);
      const consumesList = Array.isArray(op.consumes)
        ? op.consumes
        : Array.isArray(doc.spec.consumes)
          ? doc.spec.consumes
          : [];
      let consumes = consumesList.find((c) => c === 'application/json') ?? consumesList[0];
      if (isObj(body) && isObj(body.content)) {
        const types = Object.keys(body.content);
        consumes = types.find((t) => t === 'application/json') ?? types[0];
      }
      return {
        method: method.toUpperCase(),
        path,
        parameters: [...byKey.values()],
        consumes: typeof consumes === 'string' ? consumes : undefined,
        hasRequestBody:
          isObj(body) || [...byKey.values()].some((p) => p.in === 'body' || p.in === 'formData'),
      };
    }
  }
  return bad(`operation '${operationId}' is not in ${doc.location.href}`);
}

export function baseUrl(doc: LoadedDocument): URL {
  const spec = doc.spec;
  if (Array.isArray(spec.servers) && isObj(spec.servers[0])) {
    const server = spec.servers[0];
    let url = typeof server.url === 'string' ? server.url : '/';
    if (isObj(server.variables))
      for (const [name, v] of Object.entries(server.variables))
        if (isObj(v) && v.default !== undefined)
          url = url.replaceAll(`{${name}}`, String(v.default));
    return new URL(url, doc.location);
  }
  const schemes = Array.isArray(spec.schemes)
    ? spec.schemes.filter((s) => typeof s === 'string')
    : [];
  const scheme = schemes.includes('https')
    ? 'https'
    : (schemes[0] ?? doc.location.protocol.replace(':', ''));
  const host = typeof spec.host === 'string' ? spec.host : doc.location.host;
  const basePath = typeof spec.basePath === 'string' ? spec.basePath : '';
  return new URL(`${scheme}://${host}${basePath}`);
}

/**
 * How an array query parameter is sent: undefined repeats the key (Swagger 2
 * `collectionFormat: multi`, OpenAPI 3 `style: form` exploded, its default), else the
 * items joined by the separator (Swagger 2 default csv; ssv, tsv, pipes; OpenAPI 3
 * form unexploded, spaceDelimited, pipeDelimited).
 */
function arraySeparator(doc: LoadedDocument, p: Obj): string | undefined {
  if (doc.spec.swagger !== undefined) {
    const format = typeof p.collectionFormat === 'string' ? p.collectionFormat : 'csv';
    if (format === 'multi') return undefined;
    return ({ ssv: ' ', tsv: '\t', pipes: '|' } as Record<string, string>)[format] ?? ',';
  }
  const style = typeof p.style === 'string' ? p.style : 'form';
  const explode = typeof p.explode === 'boolean' ? p.explode : style === 'form';
  if (explode) return undefined;
  return style === 'spaceDelimited' ? ' ' : style === 'pipeDelimited' ? '|' : ',';
}

function text(v: Json): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function buildOperationRequest(
  doc: LoadedDocument,
  op: Operation,
  params: Obj,
): HttpRequest {
  const used = new Set<string>();
  let path = op.path;
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  const form = new URLSearchParams();
  let body: Json | undefined;
  for (const p of op.parameters) {
    const name = p.name as string;
    const value = params[name];
    if (value === undefined || value === null) {
      if (p.required === true && p.in !== 'body')
        bad(`operation parameter '${name}' (in ${String(p.in)}) is required`);
      continue;
    }
    used.add(name);
    switch (p.in) {
      case 'path':
        path = path.replaceAll(`{${name}}`, encodeURIComponent(text(value)));
        break;
      case 'query': {
        const items = (Array.isArray(value) ? value : [value]).map(text);
        const sep = arraySeparator(doc, p);
        if (sep === undefined) for (const item of items) query.append(name, item);
        else query.append(name, items.join(sep));
        break;
      }
      case 'header':
        headers[name.toLowerCase()] = text(value);
        break;
      case 'cookie':
        cookies.push(`${name}=${encodeURIComponent(text(value))}`);
        break;
      case 'body':
        body = value;
        break;
      case 'formData':
        form.append(name, text(value));
        break;
    }
  }
  if (/\{[^}]+\}/.test(path)) bad(`path parameter missing in '${path}'`);
  if (cookies.length) headers.cookie = cookies.join('; ');
  if (body === undefined && op.hasRequestBody) {
    if (params.body !== undefined && !used.has('body')) body = params.body;
    else {
      const rest = Object.fromEntries(Object.entries(params).filter(([k]) => !used.has(k)));
      if (Object.keys(rest).length) body = rest;
    }
  }
  const base = baseUrl(doc);
  const url = new URL(base.href.replace(/\/$/, '') + path);
  for (const [k, v] of query) url.searchParams.append(k, v);
  const req: HttpRequest = { method: op.method, url, headers };
  if ([...form.keys()].length) {
    req.body = form.toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (body !== undefined) {
    const type = op.consumes ?? 'application/json';
    req.body = typeof body === 'string' && !type.includes('json') ? body : JSON.stringify(body);
    headers['content-type'] = type;
  }
  headers.accept = 'application/json, */*;q=0.8';
  return req;
}
