// listWorkflows: every version of every workflow, by namespace, name, then registration
// order, paged with an opaque cursor; it reads the store, so it survives a reopen.
import { describe, expect, it } from 'vitest';
import { InvalidRequestError, type Store } from '../../../src/store/index.js';
import type { GetContext } from '../contract.js';
import { T0, workflow } from '../fixtures.js';

const at = (namespace: string, name: string, version: string, createdAt: number) => ({
  ...workflow(version),
  namespace,
  name,
  createdAt,
});

const refOf = (w: { namespace: string; name: string; version: string }) =>
  `${w.namespace}/${w.name}@${w.version}`;

// Registered out of order on purpose; the list must not depend on insertion order.
async function registerSome(store: Store): Promise<void> {
  await store.putWorkflow(at('zeta', 'a', '1.0.0', T0));
  await store.putWorkflow(at('alpha', 'orders', '2.0.0', T0 + 5));
  await store.putWorkflow(at('alpha', 'orders', '10.0.0', T0 + 1));
  await store.putWorkflow(at('alpha', 'billing', '1.0.0', T0 + 9));
  await store.putWorkflow(at('alpha', 'orders', '1.5.0', T0 + 5));
  await store.putWorkflow(at('Beta', 'x', '1.0.0', T0));
}

const expected = [
  'Beta/x@1.0.0',
  'alpha/billing@1.0.0',
  'alpha/orders@10.0.0',
  'alpha/orders@1.5.0',
  'alpha/orders@2.0.0',
  'zeta/a@1.0.0',
];

export function workflowListContract(ctx: GetContext): void {
  describe('listing workflows', () => {
    it('lists every version by namespace, name, then registration order (byte order for text)', async () => {
      const { store } = ctx();
      await registerSome(store);
      const page = await store.listWorkflows();
      expect(page.items.map(refOf)).toEqual(expected);
      expect(page.nextCursor).toBeUndefined();
      expect(page.items[0]).toEqual(at('Beta', 'x', '1.0.0', T0));
    });

    it('lists only one namespace when asked', async () => {
      const { store } = ctx();
      await registerSome(store);
      const page = await store.listWorkflows({ namespace: 'alpha' });
      expect(page.items.map(refOf)).toEqual(expected.filter((r) => r.startsWith('alpha/')));
      expect((await store.listWorkflows({ namespace: 'nobody' })).items).toEqual([]);
    });

    it('pages workflows with a cursor, without gaps or repeats', async () => {
      const { store } = ctx();
      await registerSome(store);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listWorkflows({ limit: 2, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map(refOf));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen).toEqual(expected);
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it('pages within one namespace with the same cursor rules', async () => {
      const { store } = ctx();
      await registerSome(store);
      const first = await store.listWorkflows({ namespace: 'alpha', limit: 3 });
      expect(first.items.map(refOf)).toEqual(expected.slice(1, 4));
      expect(first.nextCursor).toBeDefined();
      const second = await store.listWorkflows({
        namespace: 'alpha',
        limit: 3,
        ...(first.nextCursor ? { cursor: first.nextCursor } : {}),
      });
      expect(second.items.map(refOf)).toEqual(['alpha/orders@2.0.0']);
      expect(second.nextCursor).toBeUndefined();
    });

    it('lists the registered workflows after the store is reopened', async () => {
      await registerSome(ctx().store);
      const store = await ctx().reopen();
      expect((await store.listWorkflows()).items.map(refOf)).toEqual(expected);
    });

    it('returns an empty page when nothing is registered', async () => {
      const { store } = ctx();
      expect(await store.listWorkflows()).toEqual({ items: [] });
    });

    it('rejects a workflow cursor it did not make, naming the cursor', async () => {
      const { store } = ctx();
      const attempt = store.listWorkflows({ cursor: 'not-a-cursor' });
      await expect(attempt).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(attempt).rejects.toThrow(
        /listWorkflows: cursor "not-a-cursor" is not one this store made/,
      );
    });

    it('rejects an execution cursor passed to listWorkflows', async () => {
      const { store } = ctx();
      const cursor = Buffer.from(JSON.stringify([T0, 'e1'])).toString('base64url');
      await expect(store.listWorkflows({ cursor })).rejects.toThrow(/listWorkflows: cursor/);
    });
  });
}
