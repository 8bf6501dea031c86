// Webhook signature checks, over the raw body bytes, compared in constant time
// (crypto.timingSafeEqual on buffers of equal length; a signature of another length
// is refused before any compare).
//
//   GitHub:            X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>
//   Standard Webhooks: webhook-id, webhook-timestamp (unix seconds), webhook-signature:
//                      "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>" separated by
//                      spaces (several during a secret rotation); key = base64 after
//                      "whsec_". The timestamp must be within 5 minutes of now.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const toleranceSeconds = 5 * 60;

export type Verdict = { ok: true } | { ok: false; reason: string };

const fail = (reason: string): Verdict => ({ ok: false, reason });

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The HMAC key of a secret: whsec_<base64> decodes; any other text is used as UTF-8. */
export function secretKey(secret: string): Buffer {
  return secret.startsWith('whsec_')
    ? Buffer.from(secret.slice(6), 'base64')
    : Buffer.from(secret, 'utf8');
}

export function verifyGithub(body: Buffer, header: string | undefined, secrets: string[]): Verdict {
  if (header === undefined) return fail('X-Hub-Signature-256 is missing');
  const m = /^sha256=([0-9a-f]+)$/.exec(header.trim());
  if (!m) return fail('X-Hub-Signature-256 is not sha256=<hex>');
  const given = Buffer.from(m[1]!, 'hex');
  if (given.length !== 32) return fail('X-Hub-Signature-256 has the wrong length');
  for (const s of secrets) {
    if (equal(createHmac('sha256', secretKey(s)).update(body).digest(), given)) return { ok: true };
  }
  return fail('X-Hub-Signature-256 does not match');
}

export interface StandardHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

export function verifyStandard(
  body: Buffer,
  h: StandardHeaders,
  secrets: string[],
  nowSeconds: number,
): Verdict {
  if (!h.id || !h.timestamp || !h.signature)
    return fail('webhook-id, webhook-timestamp and webhook-signature are required');
  if (!/^\d{1,12}$/.test(h.timestamp)) return fail('webhook-timestamp is not unix seconds');
  const ts = Number(h.timestamp);
  if (ts < nowSeconds - toleranceSeconds) return fail('webhook-timestamp is too old');
  if (ts > nowSeconds + toleranceSeconds) return fail('webhook-timestamp is in the future');
  const given: Buffer[] = [];
  for (const part of h.signature.split(' ')) {
    const m = /^v1,([A-Za-z0-9+/]+={0,2})$/.exec(part);
    if (m) given.push(Buffer.from(m[1]!, 'base64'));
  }
  if (given.length === 0) return fail('webhook-signature holds no v1,<base64> signature');
  for (const s of secrets) {
    const mac = createHmac('sha256', secretKey(s))
      .update(`${h.id}.${h.timestamp}.`)
      .update(body)
      .digest();
    if (given.some((g) => equal(mac, g))) return { ok: true };
  }
  return fail('no webhook-signature matches');
}
