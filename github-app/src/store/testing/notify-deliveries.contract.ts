// The contract of the outgoing webhooks' deliveries (notify-deliveries.ts), run on both dialects like
// store.contract.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewDelivery } from '../notify-deliveries.js';
import type { Store } from '../store.js';

const delivery = (runId: string, over: Partial<NewDelivery> = {}): NewDelivery => ({
  id: `${runId}:hub`,
  runId,
  repo: 'acme',
  flowId: 'build',
  target: 'hub',
  url: '{{secret.HOOK_URL}}',
  secretName: 'HOOK_KEY',
  format: 'floe',
  body: '{"event":"run-ended"}',
  nextAt: 100,
  createdAt: 100,
  ...over,
});

export function describeNotifyDeliveriesContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`notify deliveries contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    it('stores one delivery per id, also when two hubs enqueue it at once', async () => {
      const both = await Promise.all([
        store.notifications.enqueue(delivery('r1')),
        store.notifications.enqueue(delivery('r1', { body: 'other' })),
      ]);
      expect(both).toEqual(expect.arrayContaining([true, false]));
      const [row] = await store.notifications.listDue(100, 10);
      expect(row).toMatchObject({ id: 'r1:hub', state: 'pending', attempts: 0, secretName: 'HOOK_KEY' });
      expect(await store.notifications.listDue(99, 10)).toEqual([]);
    });

    it('lets one hub claim an attempt, and only its claimer settle it', async () => {
      await store.notifications.enqueue(delivery('r1'));
      expect(
        await Promise.all([
          store.notifications.claim('r1:hub', 0, 5_000, 100),
          store.notifications.claim('r1:hub', 0, 5_000, 100),
        ]),
      ).toEqual(expect.arrayContaining([true, false]));
      // Claimed: not due again until the claim runs out (a hub that died sending is taken over then).
      expect(await store.notifications.listDue(4_999, 10)).toEqual([]);
      expect((await store.notifications.listDue(5_000, 10)).map((d) => d.attempts)).toEqual([1]);
      await store.notifications.settle(
        'r1:hub',
        { attempt: 1, at: 200, status: 503, error: 'HTTP 503', durationMs: 12 },
        { state: 'pending', nextAt: 700 },
      );
      expect(await store.notifications.claim('r1:hub', 1, 9_000, 700)).toBe(true);
      // A late settle of attempt 1 (its hub was slow) logs the attempt but does not move the delivery.
      await store.notifications.settle(
        'r1:hub',
        { attempt: 1, at: 210, durationMs: 1 },
        { state: 'failed', nextAt: 0 },
      );
      await store.notifications.settle(
        'r1:hub',
        { attempt: 2, at: 800, status: 204, durationMs: 5 },
        { state: 'delivered', nextAt: 800 },
      );
      const [listed] = await store.notifications.list({ flowId: 'build', repo: 'acme' });
      expect(listed).toMatchObject({ state: 'delivered', attempts: 2 });
      expect(listed?.log).toEqual([
        { attempt: 1, at: 200, status: 503, error: 'HTTP 503', durationMs: 12 },
        { attempt: 2, at: 800, status: 204, durationMs: 5 },
      ]);
      expect(await store.notifications.listDue(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
    });

    it('lists a flow’s deliveries newest first, apart from other flows and repositories, and prunes old ones', async () => {
      await store.notifications.enqueue(delivery('r1', { createdAt: 1 }));
      await store.notifications.enqueue(delivery('r2', { createdAt: 2 }));
      await store.notifications.enqueue(delivery('r3', { createdAt: 3, flowId: 'other' }));
      await store.notifications.enqueue(delivery('r4', { createdAt: 4, repo: 'elsewhere' }));
      expect((await store.notifications.list({ flowId: 'build', repo: 'acme' })).map((d) => d.runId)).toEqual([
        'r2',
        'r1',
      ]);
      expect((await store.notifications.list({ flowId: 'build' })).map((d) => d.runId)).toEqual(['r4', 'r2', 'r1']);
      await store.notifications.claim('r1:hub', 0, 10, 1);
      await store.notifications.settle(
        'r1:hub',
        { attempt: 1, at: 1, durationMs: 1, error: 'refused' },
        { state: 'failed', nextAt: 1 },
      );
      expect(await store.notifications.prune(3, 10)).toBe(2);
      expect((await store.notifications.list({ flowId: 'build' })).map((d) => d.runId)).toEqual(['r4']);
    });
  });
}
