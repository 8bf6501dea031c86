// `call: openapi`: load the document (cached per engine), find the operation, build the
// request from `parameters`, send it like `call: http` (same output forms, redirects,
// authentication, host map, idempotency header). See docs/calls.md.
import type { Json } from '../../history/events.js';
import { applyHostMap } from '../hostmap.js';
import type { CallContext } from '../http/index.js';
import { authorizationHeader } from '../http/auth.js';
import { endpointParts } from '../http/request.js';
import { outputFormat } from '../http/response.js';
import { send } from '../http/send.js';
import { ProblemError, problem } from '../problems.js';
import type { DocumentLoader } from './load.js';
import { buildOperationRequest, findOperation } from './operation.js';

export { DocumentLoader } from './load.js';

type Obj = { [k: string]: Json };

function isObj(v: Json | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(detail: string): never {
  throw new ProblemError(problem('configuration', 'Invalid openapi call', detail), false);
}

export async function callOpenApi(
  args: Json,
  ctx: CallContext & { loader: DocumentLoader },
): Promise<Json> {
  if (!isObj(args)) bad('with must be an object');
  if (!isObj(args.document)) bad('with.document must be an object with an endpoint');
  const { uri, authentication: docAuth } = endpointParts(args.document.endpoint);
  if (typeof args.operationId !== 'string') bad('with.operationId must be a string');
  const params = args.parameters ?? {};
  if (!isObj(params)) bad('with.parameters must be an object');
  let output;
  try {
    output = outputFormat(args.output);
  } catch (e) {
    bad((e as Error).message);
  }
  // the document endpoint's authentication is for fetching the document; `with.authentication`
  // is for the operation
  const docAuthorization = authorizationHeader(docAuth, ctx);
  const doc = await ctx.loader.load(uri, ctx.signal, docAuthorization);
  const op = findOperation(doc, args.operationId);
  const req = buildOperationRequest(doc, op, params);
  req.url = applyHostMap(req.url, ctx.hostMap);
  const authorization = authorizationHeader(args.authentication, ctx);
  if (authorization !== undefined) req.headers.authorization = authorization;
  if (ctx.idempotencyHeader && ctx.idempotencyKey)
    req.headers[ctx.idempotencyHeader.toLowerCase()] = ctx.idempotencyKey;
  return send(req, {
    redirect: args.redirect === true,
    output,
    hostMap: ctx.hostMap,
    signal: ctx.signal,
  });
}
