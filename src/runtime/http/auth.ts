// Authentication of outgoing calls (http and openapi). Supported: `basic` and `bearer`,
// inline ({username, password} / {token}) or from a secret (`{use: secretName}`, the
// secret being {username, password} / {token} or, for bearer, a plain string). A policy
// by name (`authentication: {use: name}`) is normally resolved by the core; the runtime
// resolves it too from the document's `use.authentications` when it still sees one.
// Not supported yet: digest, oauth2, oidc, certificate: they fault with a configuration
// error saying so, never silently send an unauthenticated request.
import type { Json } from '../../history/events.js';
import { ProblemError, problem } from '../problems.js';

export interface AuthContext {
  secrets: Record<string, Json>;
  /** The document's `use.authentications`, for policies referenced by name. */
  authentications?: Record<string, Json>;
}

type Obj = { [k: string]: Json };

function isObj(v: Json | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(detail: string): never {
  throw new ProblemError(problem('configuration', 'Unusable authentication', detail), false);
}

function fromSecret(policy: Obj, kind: string, ctx: AuthContext): Json {
  if (typeof policy.use !== 'string') return policy;
  const secret = ctx.secrets[policy.use];
  if (secret === undefined)
    fail(`${kind} authentication uses secret '${policy.use}', which is not defined`);
  return secret;
}

function text(v: Json | undefined, what: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return fail(`${what} must be a string`);
}

/** The `Authorization` header value for `auth` (undefined when there is none). */
export function authorizationHeader(auth: Json | undefined, ctx: AuthContext): string | undefined {
  if (auth === undefined || auth === null) return undefined;
  if (!isObj(auth)) return fail('authentication must be an object');
  if (typeof auth.use === 'string') {
    const named = ctx.authentications?.[auth.use];
    if (named === undefined)
      fail(`authentication '${auth.use}' is not defined in use.authentications`);
    return authorizationHeader(named, ctx);
  }
  if (auth.basic !== undefined) {
    const b = isObj(auth.basic) ? fromSecret(auth.basic, 'basic', ctx) : auth.basic;
    if (!isObj(b)) return fail('basic authentication needs {username, password}');
    const user = text(b.username, 'basic.username');
    const pass = text(b.password, 'basic.password');
    return 'Basic ' + Buffer.from(`${user}:${pass}`, 'utf8').toString('base64');
  }
  if (auth.bearer !== undefined) {
    const b = isObj(auth.bearer) ? fromSecret(auth.bearer, 'bearer', ctx) : auth.bearer;
    const token =
      typeof b === 'string'
        ? b
        : isObj(b)
          ? text(b.token, 'bearer.token')
          : fail('bearer needs a token');
    return `Bearer ${token}`;
  }
  for (const scheme of ['digest', 'oauth2', 'oidc', 'certificate']) {
    if (auth[scheme] !== undefined)
      fail(
        `'${scheme}' authentication is not supported yet by weft; use basic or bearer (docs/calls.md)`,
      );
  }
  return fail(`unknown authentication scheme '${Object.keys(auth).join(', ')}'`);
}
