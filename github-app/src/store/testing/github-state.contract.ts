// The contract of the GitHub App's state (github-state.ts), run on both dialects like store.contract.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store.js';

export function describeGitHubStateContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`github state contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    it('says a delivery is new once, also when two hubs record it at the same time', async () => {
      expect(await Promise.all([store.github.firstDelivery('d1', 1), store.github.firstDelivery('d1', 2)])).toEqual(
        expect.arrayContaining([true, false]),
      );
      expect(await store.github.firstDelivery('d1', 3)).toBe(false);
      expect(await store.github.firstDelivery('d2', 3)).toBe(true);
    });

    it('keeps a check run per run, written only at the version read', async () => {
      expect(await store.github.getCheckRun('r1')).toBeUndefined();
      expect(await store.github.putCheckRun('r1', { id: 7, status: 'queued' }, undefined)).toBe(true);
      expect(await store.github.putCheckRun('r1', { id: 8, status: 'queued' }, undefined)).toBe(false);
      expect(await store.github.getCheckRun('r1')).toEqual({ value: { id: 7, status: 'queued' }, version: 1 });
      expect(await store.github.putCheckRun('r1', { id: 7, status: 'completed' }, 1)).toBe(true);
      expect(await store.github.putCheckRun('r1', { id: 7, status: 'in_progress' }, 1)).toBe(false);
      expect(await store.github.getCheckRun('r1')).toEqual({ value: { id: 7, status: 'completed' }, version: 2 });
      expect(await store.github.getCheckRun('r2')).toBeUndefined();
    });

    it('remembers a repository with its installation, written only at the version read', async () => {
      const repo = { installationId: 9, cloneUrl: 'https://github.com/acme/app.git', private: true };
      expect(await store.github.putRepo('acme/app', repo, undefined)).toBe(true);
      expect(await store.github.getRepo('acme/app')).toEqual({ value: repo, version: 1 });
      const moved = { installationId: 10, cloneUrl: 'https://github.com/acme/app.git' };
      expect(await store.github.putRepo('acme/app', moved, 1)).toBe(true);
      expect(await store.github.putRepo('acme/app', repo, 1)).toBe(false);
      expect(await store.github.getRepo('acme/app')).toEqual({ value: moved, version: 2 });
      expect(await store.github.getRepo('acme/other')).toBeUndefined();
    });

    it('is apart from trigger state: same names there are other rows', async () => {
      await store.putTriggerState('github:repo:acme/app', { installationId: 1, cloneUrl: 'x' }, undefined);
      expect(await store.github.getRepo('acme/app')).toBeUndefined();
      expect(await store.github.putCheckRun('acme/app', { id: 1, status: 'queued' }, undefined)).toBe(true);
      expect(await store.github.getRepo('acme/app')).toBeUndefined();
      expect((await store.getTriggerState('github:repo:acme/app'))?.version).toBe(1);
    });
  });
}
