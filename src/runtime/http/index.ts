// `call: http`: the resolved `with` of the task in, the result (per `output`) out, or a
// ProblemError. See docs/calls.md.
import type { Json } from '../../history/events.js';
import type { HostMap } from '../hostmap.js';
import { ProblemError, problem } from '../problems.js';
import { type AuthContext } from './auth.js';
import { buildHttpRequest } from './request.js';
import { outputFormat } from './response.js';
import { send } from './send.js';

export interface CallContext extends AuthContext {
  /** The task's input: the variables of the endpoint's URI template. */
  input: Json;
  hostMap: HostMap;
  signal?: AbortSignal;
  idempotencyKey?: string;
  /** Header that carries the idempotency key; none when undefined. */
  idempotencyHeader?: string;
}

export async function callHttp(args: Json, ctx: CallContext): Promise<Json> {
  const req = buildHttpRequest(args, ctx);
  const a = args as { [k: string]: Json };
  let output;
  try {
    output = outputFormat(a.output);
  } catch (e) {
    throw new ProblemError(
      problem('configuration', 'Invalid http call', (e as Error).message),
      false,
    );
  }
  return send(req, {
    redirect: a.redirect === true,
    output,
    hostMap: ctx.hostMap,
    signal: ctx.signal,
  });
}

export { expandUriTemplate } from './uri-template.js';
