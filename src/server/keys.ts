// API keys, kept in a keys file: $WEFT_HOME/keys.json (default ./.weft/keys.json).
// A key is shown once, when created: `weft_<id>_<secret>`. The file keeps the id (8
// random hex digits, also the key's public name), sha256(secret) in hex, the role and
// the namespaces; never the secret. Verification looks the key up by id and compares
// the hashes with crypto.timingSafeEqual. The server re-reads the file when its
// modification time changes, so `weft keys revoke` takes effect without a restart.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type Role = 'reader' | 'operator' | 'admin';
export const roles: readonly Role[] = ['reader', 'operator', 'admin'];

export interface ApiKey {
  id: string;
  hash: string;
  role: Role;
  /** Namespaces the key may act in, or '*' for all. */
  namespaces: string[] | '*';
  name?: string;
  createdAt: string;
  revokedAt?: string;
}

/** Who is calling: a key, or everyone when the server runs without keys (loopback only). */
export interface Principal {
  keyId?: string;
  role: Role;
  namespaces: string[] | '*';
}

export function keysFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.WEFT_HOME ?? '.weft', 'keys.json');
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export class KeyRing {
  private keys: ApiKey[] = [];
  private mtime = -1;

  constructor(readonly file: string) {}

  private refresh(): void {
    // one stat per request (authenticate): no existsSync before it
    const m = statSync(this.file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (m === this.mtime) return;
    this.mtime = m;
    this.keys =
      m === 0 ? [] : (JSON.parse(readFileSync(this.file, 'utf8')) as { keys: ApiKey[] }).keys;
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ keys: this.keys }, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.file);
    this.mtime = -1;
  }

  list(): ApiKey[] {
    this.refresh();
    return [...this.keys];
  }

  /** Active (not revoked) keys exist: the server requires a bearer token. */
  active(): boolean {
    return this.list().some((k) => !k.revokedAt);
  }

  create(role: Role, namespaces: string[] | '*', name?: string): { key: ApiKey; token: string } {
    this.refresh();
    const id = randomBytes(4).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const key: ApiKey = {
      id,
      hash: sha256(secret),
      role,
      namespaces,
      ...(name ? { name } : {}),
      createdAt: new Date().toISOString(),
    };
    this.keys.push(key);
    this.save();
    return { key, token: `weft_${id}_${secret}` };
  }

  revoke(id: string): boolean {
    this.refresh();
    const k = this.keys.find((x) => x.id === id && !x.revokedAt);
    if (!k) return false;
    k.revokedAt = new Date().toISOString();
    this.save();
    return true;
  }

  /** The principal of a bearer token, or undefined when it is unknown, revoked or wrong. */
  verify(token: string): Principal | undefined {
    const m = /^weft_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return undefined;
    this.refresh();
    const k = this.keys.find((x) => x.id === m[1]);
    if (!k || k.revokedAt) return undefined;
    const a = Buffer.from(sha256(m[2]!), 'hex');
    const b = Buffer.from(k.hash, 'hex');
    if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined;
    return { keyId: k.id, role: k.role, namespaces: k.namespaces };
  }
}
