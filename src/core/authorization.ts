// $authorization (spec dsl.md, "Authorization Descriptor"): `{scheme, parameter}`, the
// authorization resolved from the authentication policy of a call task, bound while the
// call's definition (`with`), `output.as` and `export.as` are evaluated; null elsewhere.
//
// Decision: the core resolves what it can from the policy alone, after evaluating it
// (so `${ $secrets.x }` and `{use: secret}` in a policy work):
//   basic  -> {scheme: 'Basic',  parameter: base64("username:password")} (the header value)
//   bearer -> {scheme: 'Bearer', parameter: token}
// digest, oauth2 and oidc stay null: their parameter exists only once the runtime has
// talked to the server (the digest challenge, the token endpoint), after the definition
// was evaluated, and the token is not recorded in history, so a replay could not give it.
// The policy is found at `with.authentication` (openapi and others) or
// `with.endpoint.authentication` (http).

import type { Json } from '../history/events.js';
import type { Template } from '../dsl/ir.js';

/** The template of the call's authentication policy, if it has one. */
export function authenticationOf(args: Template): Template | undefined {
  const direct = entry(args, 'authentication');
  if (direct) return direct;
  const endpoint = entry(args, 'endpoint');
  return endpoint ? entry(endpoint, 'authentication') : undefined;
}

/** A key of an object template; literal sub-trees are compiled to one `lit` template. */
function entry(t: Template, key: string): Template | undefined {
  if (t.t === 'obj') return t.entries.find(([k]) => k === key)?.[1];
  if (t.t !== 'lit' || !isObject(t.value)) return undefined;
  const value = t.value[key];
  return value === undefined ? undefined : { t: 'lit', value };
}

/** The descriptor for an evaluated policy, or null when the core cannot resolve it. A
 *  basic or bearer policy may take its credentials from a secret (`basic: {use: name}`),
 *  as the runtime's http/auth.ts does. */
export function resolveAuthorization(policy: Json, secrets: Record<string, Json>): Json {
  if (!isObject(policy)) return null;
  const credentials = (v: Json | undefined): Json | undefined =>
    isObject(v) && typeof v.use === 'string' ? secrets[v.use] : v;
  const basic = credentials(policy.basic);
  if (isObject(basic) && typeof basic.username === 'string') {
    const password = typeof basic.password === 'string' ? basic.password : '';
    return { scheme: 'Basic', parameter: base64(`${basic.username}:${password}`) };
  }
  const bearer = credentials(policy.bearer);
  const token = isObject(bearer) ? bearer.token : bearer;
  if (typeof token === 'string') return { scheme: 'Bearer', parameter: token };
  return null;
}

function isObject(v: Json | undefined): v is Record<string, Json> {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 of the UTF-8 bytes of `text` (pure: no Buffer in the core). */
export function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const [a = 0, b = 0, c = 0] = [bytes[i], bytes[i + 1], bytes[i + 2]];
    const n = (a << 16) | (b << 8) | c;
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]!;
    out += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63]! : '=';
    out += i + 2 < bytes.length ? ALPHABET[n & 63]! : '=';
  }
  return out;
}
