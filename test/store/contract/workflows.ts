import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidRequestError } from '../../../src/store/index.js';
import type { GetContext } from '../contract.js';
import { T0, workflow } from '../fixtures.js';

export function workflowContract(ctx: GetContext): void {
  describe('workflows', () => {
    it('registers a workflow version and reads it back', async () => {
      const { store } = ctx();
      const wf = workflow('1.0.0');
      const put = await store.putWorkflow(wf);
      expect(put.created).toBe(true);
      expect(await store.getWorkflow(wf)).toEqual(wf);
    });

    it('accepts the same version with the same hash again without a change', async () => {
      const { store } = ctx();
      await store.putWorkflow(workflow('1.0.0'));
      const again = await store.putWorkflow({ ...workflow('1.0.0'), createdAt: T0 + 99 });
      expect(again.created).toBe(false);
      expect(again.workflow.createdAt).toBe(T0);
    });

    it('rejects the same version with another hash as a conflict naming the workflow', async () => {
      const { store } = ctx();
      await store.putWorkflow(workflow('1.0.0', 'first text'));
      const attempt = store.putWorkflow(workflow('1.0.0', 'second text'));
      await expect(attempt).rejects.toBeInstanceOf(ConflictError);
      await expect(attempt).rejects.toThrow(/test\/orders:1\.0\.0 .*immutable/);
      expect((await store.getWorkflow(workflow('1.0.0')))?.source).toBe('first text');
    });

    it('lists every version of a workflow, oldest first', async () => {
      const { store } = ctx();
      await store.putWorkflow({ ...workflow('2.0.0'), createdAt: T0 + 2 });
      await store.putWorkflow({ ...workflow('1.0.0'), createdAt: T0 + 1 });
      await store.putWorkflow({ ...workflow('9.0.0'), name: 'other' });
      const versions = await store.listWorkflowVersions('test', 'orders');
      expect(versions.map((w) => w.version)).toEqual(['1.0.0', '2.0.0']);
      // the same, numbers and hashes only (what `latest` resolves against)
      expect(await store.workflowVersions('test', 'orders')).toEqual(
        versions.map((w) => ({ version: w.version, hash: w.hash })),
      );
    });

    it('returns undefined for a workflow that is not registered', async () => {
      const { store } = ctx();
      expect(await store.getWorkflow({ namespace: 'x', name: 'y', version: '1' })).toBeUndefined();
      expect(await store.listWorkflowVersions('x', 'y')).toEqual([]);
      expect(await store.workflowVersions('x', 'y')).toEqual([]);
    });

    it('rejects a workflow without a hash, naming the field', async () => {
      const { store } = ctx();
      const attempt = store.putWorkflow({ ...workflow(), hash: '' });
      await expect(attempt).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(attempt).rejects.toThrow(/hash is required/);
    });
  });
}
