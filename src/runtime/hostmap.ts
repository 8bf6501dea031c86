// Host overrides: rewrite scheme+host+port of outgoing calls (http, openapi documents and
// operations). Tests and the CTK point `petstore.swagger.io` at a stand-in on 127.0.0.1;
// nothing else in weft knows about it. Sources: the engine option `hostMap` and the
// environment variable WEFT_HOST_MAP=host=url,host=url (the option wins on a clash).

export type HostMap = Record<string, string>;

/** Parses `host=url,host=url`. Throws naming the bad entry. */
export function parseHostMap(text: string | undefined): HostMap {
  const map: HostMap = {};
  if (!text) return map;
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`WEFT_HOST_MAP: entry '${entry}' is not host=url`);
    const host = entry.slice(0, eq).trim();
    const target = entry.slice(eq + 1).trim();
    checkTarget(host, target);
    map[host.toLowerCase()] = target;
  }
  return map;
}

function checkTarget(host: string, target: string): void {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new Error(`host map: target '${target}' for '${host}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`host map: target '${target}' for '${host}' must be http or https`);
}

/** The host map of an engine: the option merged over the environment variable. */
export function resolveHostMap(option: HostMap | undefined, env: string | undefined): HostMap {
  const map = parseHostMap(env);
  for (const [host, target] of Object.entries(option ?? {})) {
    checkTarget(host, target);
    map[host.toLowerCase()] = target;
  }
  return map;
}

/**
 * Rewrites `url` when its host (or host:port) is in the map: the target's scheme, host
 * and port replace the URL's; a path prefix of the target is prepended to the URL's path.
 */
export function applyHostMap(url: URL, map: HostMap): URL {
  const target = map[url.host.toLowerCase()] ?? map[url.hostname.toLowerCase()];
  if (target === undefined) return url;
  const t = new URL(target);
  const out = new URL(url.href);
  out.protocol = t.protocol;
  out.host = t.host;
  const prefix = t.pathname.replace(/\/$/, '');
  if (prefix) out.pathname = prefix + url.pathname;
  return out;
}
