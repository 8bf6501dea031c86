// URIs, endpoints, external resources and authentication policies.
import { ROOT_SCOPE, isRuntimeExpression } from './expressions.js';
import type { Scope } from './expressions.js';
import { describe, isObject } from './validate-context.js';
import type { Check } from './validate-context.js';
import type { Validation } from './validate-refs.js';
import { checkReference } from './validate-refs.js';
import { checkTemplate } from './validate-values.js';

// The schema's `uriTemplate`: an absolute URI (or RFC 6570 template) with a scheme,
// in the `uri-template` format (the same expression as ajv-formats, which the official
// schema is checked with: no blanks, quotes or stray braces).
const SCHEME = /^[A-Za-z][A-Za-z0-9+\-.]*:\/\/.*/;
const URI_TEMPLATE =
  // eslint-disable-next-line no-control-regex -- the format excludes control characters
  /^(?:(?:[^\x00-\x20"'<>%\\^`{|}]|%[0-9a-f]{2})|\{[+#./;?&=,!@|]?(?:[a-z0-9_]|%[0-9a-f]{2})+(?::[1-9][0-9]{0,3}|\*)?(?:,(?:[a-z0-9_]|%[0-9a-f]{2})+(?::[1-9][0-9]{0,3}|\*)?)*\})*$/i;

export function isUriTemplate(s: string): boolean {
  return URI_TEMPLATE.test(s);
}

export function isAbsoluteUri(s: string): boolean {
  return SCHEME.test(s) && URI_TEMPLATE.test(s);
}

/** An absolute URI or URI template, e.g. https://petstore.example/pets/{id}. */
export function checkUri(val: Validation, v: unknown, path: string, name: string): void {
  if (typeof v === 'string' && isAbsoluteUri(v)) return;
  val.ctx.report(
    path,
    `'${name}' must be an absolute URI like https://example.com/{id}, got ${describe(v)}`,
  );
}

/** An absolute URI or a runtime expression. */
export function checkUriOrExpression(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope = ROOT_SCOPE,
): void {
  if (typeof v === 'string' && isRuntimeExpression(v)) {
    checkTemplate(val, v, path, name, scope);
    return;
  }
  if (typeof v === 'string' && isAbsoluteUri(v)) return;
  val.ctx.report(
    path,
    `'${name}' must be an absolute URI like https://example.com/{id} or a runtime expression, got ${describe(v)}`,
  );
}

/** A URI, a runtime expression, or `{uri, authentication?}`. */
export function checkEndpoint(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope = ROOT_SCOPE,
): void {
  if (isObject(v)) {
    val.ctx.object(v, path, name, {
      required: ['uri'],
      props: {
        uri: (x, p, n) => checkUriOrExpression(val, x, p, n, scope),
        authentication: (x, p, n) => checkReferenceableAuthentication(val, x, p, n, scope),
      },
    });
    return;
  }
  if (typeof v === 'string' && (isRuntimeExpression(v) || isAbsoluteUri(v))) {
    checkUriOrExpression(val, v, path, name, scope);
    return;
  }
  val.ctx.report(
    path,
    `'${name}' must be an absolute URI like https://example.com/{id}, a runtime expression, or a mapping with 'uri', got ${describe(v)}`,
  );
}

/** `{name?, endpoint}`. */
export function checkExternalResource(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope = ROOT_SCOPE,
) {
  val.ctx.object(v, path, name, {
    required: ['endpoint'],
    props: {
      name: (x, p, n) => val.ctx.string(x, p, n),
      endpoint: (x, p, n) => checkEndpoint(val, x, p, n, scope),
    },
  });
}

const SCHEMES = ['basic', 'bearer', 'digest', 'oauth2', 'oidc'] as const;

/** `{use: NAME}` (a policy in use.authentications) or an inline policy. */
export function checkReferenceableAuthentication(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope = ROOT_SCOPE,
): void {
  if (isObject(v) && 'use' in v) {
    val.ctx.object(v, path, name, {
      props: {
        use: (x, p, n) => {
          if (!val.ctx.string(x, p, n)) return;
          if (x === '') val.ctx.report(p, `'${n}' must not be empty`);
          else checkReference(val, x, p, n, 'authentications');
        },
      },
    });
    return;
  }
  checkAuthenticationPolicy(val, v, path, name, scope);
}

/** Exactly one of basic, bearer, digest, oauth2, oidc. */
export function checkAuthenticationPolicy(
  val: Validation,
  v: unknown,
  path: string,
  name: string,
  scope: Scope = ROOT_SCOPE,
): void {
  const { ctx } = val;
  if (!ctx.expectObject(v, path, name)) return;
  const schemes = SCHEMES.filter((s) => s in v);
  if (schemes.length !== 1) {
    ctx.report(
      path,
      schemes.length === 0
        ? `'${name}' must name one authentication scheme (${SCHEMES.join(', ')}) or 'use' a defined policy`
        : `'${name}' names ${schemes.length} authentication schemes (${schemes.join(', ')}); give exactly one`,
    );
  }
  const str: Check = (x, p, n) => ctx.string(x, p, n);
  const strings: Check = (x, p, n) => ctx.stringList(x, p, n);
  const token: Check = (x, p, n) =>
    ctx.object(x, p, n, { required: ['token', 'type'], props: { token: str, type: str } });
  const oauth2Props: Record<string, Check> = {
    authority: (x, p, n) => checkUri(val, x, p, n),
    grant: (x, p, n) =>
      ctx.oneOf(x, p, n, [
        'authorization_code',
        'client_credentials',
        'password',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:token-exchange',
      ]),
    client: (x, p, n) =>
      ctx.object(x, p, n, {
        props: {
          id: str,
          secret: str,
          assertion: str,
          authentication: (y, q, m) =>
            ctx.oneOf(y, q, m, [
              'client_secret_basic',
              'client_secret_post',
              'client_secret_jwt',
              'private_key_jwt',
              'none',
            ]),
        },
      }),
    request: (x, p, n) =>
      ctx.object(x, p, n, {
        open: true,
        props: {
          encoding: (y, q, m) =>
            ctx.oneOf(y, q, m, ['application/x-www-form-urlencoded', 'application/json']),
        },
      }),
    issuers: strings,
    scopes: strings,
    audiences: strings,
    username: str,
    password: str,
    subject: token,
    actor: token,
  };
  const template: Check = (x, p, n) => {
    if (ctx.string(x, p, n) && !isUriTemplate(x)) {
      ctx.report(p, `'${n}' must be a URI or URI template like /oauth2/token, got '${x}'`);
    }
  };
  const endpoints: Check = (x, p, n) =>
    ctx.object(x, p, n, {
      open: true,
      props: { token: template, revocation: template, introspection: template },
    });
  const scheme = (props: Record<string, Check>, required: string[]): Check => {
    return (x, p, n) => {
      if (isObject(x) && 'use' in x) {
        // Secret-based: the policy's properties come from a secret in use.secrets.
        ctx.object(x, p, n, {
          props: {
            use: (y, q, m) => {
              if (ctx.string(y, q, m)) checkReference(val, y, q, m, 'secrets');
            },
          },
        });
        return;
      }
      ctx.object(x, p, n, { props, required });
    };
  };
  ctx.object(v, path, name, {
    props: {
      basic: scheme({ username: str, password: str }, ['username', 'password']),
      bearer: scheme({ token: str }, ['token']),
      digest: scheme({ username: str, password: str }, ['username', 'password']),
      oauth2: scheme({ ...oauth2Props, endpoints }, []),
      oidc: scheme(oauth2Props, []),
    },
  });
  checkTemplate(val, v, path, name, scope);
}
