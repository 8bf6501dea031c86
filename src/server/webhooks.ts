// Webhook triggers: each has an unguessable id (128 random bits), its namespace, the
// CloudEvent type it produces and its secrets (the newest first; an older one stays
// valid during a rotation until removed). Kept in $WEFT_HOME/hooks.json (mode 0600:
// an HMAC secret must be kept in clear to verify with it).
//
// Deliveries are deduplicated on their delivery id (webhook-id, X-GitHub-Delivery, or
// the body's sha256 when neither is sent) for 10 minutes: longer than the 5-minute
// timestamp window, so a replay inside the window gets 409. The seen ids live in this
// process's memory (a restart forgets them: a replay older than 5 minutes is stale anyway
// for Standard Webhooks; for GitHub deliveries this is a documented gap).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface HookRecord {
  id: string;
  namespace: string;
  type: string;
  source: string;
  secrets: string[];
  createdAt: string;
}

export function hooksFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.WEFT_HOME ?? '.weft', 'hooks.json');
}

export const dedupeMs = 10 * 60 * 1000;

export class HookRegistry {
  private hooks: HookRecord[] = [];
  private readonly seen = new Map<string, number>();

  /** `file` undefined: kept in memory only (tests). */
  constructor(private readonly file?: string) {
    if (file && existsSync(file))
      this.hooks = (JSON.parse(readFileSync(file, 'utf8')) as { hooks: HookRecord[] }).hooks;
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ hooks: this.hooks }, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  create(namespace: string, type: string, source?: string): HookRecord {
    const id = randomBytes(16).toString('base64url');
    const hook: HookRecord = {
      id,
      namespace,
      type,
      source: source ?? `/api/v1/hooks/${id}`,
      secrets: [`whsec_${randomBytes(32).toString('base64')}`],
      createdAt: new Date().toISOString(),
    };
    this.hooks.push(hook);
    this.save();
    return hook;
  }

  /** Adds a new secret in front; the previous ones stay valid until `keep` is exceeded. */
  rotate(id: string, keep = 2): HookRecord | undefined {
    const h = this.get(id);
    if (!h) return undefined;
    h.secrets = [`whsec_${randomBytes(32).toString('base64')}`, ...h.secrets].slice(0, keep);
    this.save();
    return h;
  }

  get(id: string): HookRecord | undefined {
    return this.hooks.find((h) => h.id === id);
  }

  list(): HookRecord[] {
    return [...this.hooks];
  }

  remove(id: string): boolean {
    const before = this.hooks.length;
    this.hooks = this.hooks.filter((h) => h.id !== id);
    this.save();
    return this.hooks.length !== before;
  }

  /** Records a delivery id; false when it was seen in the last 10 minutes (a replay). */
  firstDelivery(hookId: string, deliveryId: string, now: number): boolean {
    for (const [k, until] of this.seen) {
      if (until > now) break;
      this.seen.delete(k);
    }
    const k = `${hookId}\u0000${deliveryId}`;
    const until = this.seen.get(k);
    if (until !== undefined && until > now) return false;
    this.seen.delete(k);
    this.seen.set(k, now + dedupeMs);
    return true;
  }
}
