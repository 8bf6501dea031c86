// Authorization: a principal may act in a namespace when its key names it (or '*'),
// with a role at least the route's (reader < operator < admin). The policy table of
// every route is in docs/api.md; test/server/authz.test.ts checks each cell of it.
import type { Principal, Role } from './keys.js';
import { forbidden } from './errors.js';

const rank: Record<Role, number> = { reader: 0, operator: 1, admin: 2 };

export function inNamespace(p: Principal, namespace: string): boolean {
  return p.namespaces === '*' || p.namespaces.includes(namespace);
}

/** Throws 403 unless `p` has at least `role` in `namespace` ('*': in every namespace). */
export function authorize(p: Principal, role: Role, namespace: string | '*'): void {
  if (rank[p.role] < rank[role])
    throw forbidden(`this key has role ${p.role}; the request needs ${role}`);
  if (namespace === '*' ? p.namespaces !== '*' : !inNamespace(p, namespace))
    throw forbidden(
      namespace === '*'
        ? 'the request concerns every namespace; this key is limited to ' + String(p.namespaces)
        : `this key may not act in namespace ${namespace}`,
    );
}
