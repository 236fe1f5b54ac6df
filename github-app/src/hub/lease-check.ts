import type { HubDeps } from '../runs/hub-deps.js';
import { expireLeases } from '../runs/lease.js';
import type { StoreHealth } from '../store/store-health.js';
import { resendCancels } from './resend-cancels.js';

/** One round of the lease check: runs whose runners went silent are lost, offers not accepted go back (runs/lease.ts). */
export class LeaseCheck {
  /** After an outage no lease is judged before this: every runner has had a full lease to be heard again. */
  private judgeFrom = 0;

  constructor(
    private readonly deps: HubDeps,
    private readonly health: Pick<StoreHealth, 'takeOutage'>,
  ) {}

  async check(): Promise<void> {
    const { store, connections, now, timing, log } = this.deps;
    if (this.health.takeOutage()) {
      // The database was away: heartbeats could not be stored, so leases and offers lapsed for that alone. Renew
      // the leases of the runs whose runners are connected here, and judge nothing for a full lease, so every
      // runner (on this hub or another) is heard again first (DESIGN §4 "When the database is out of reach").
      this.judgeFrom = now() + timing.leaseMs;
      const live = await store.listLiveRuns();
      resendCancels(connections, live);
      for (const run of live) {
        if (run.state !== 'active' || run.runnerId === undefined || !connections.get(run.runnerId)) continue;
        await store.renewLeases(run.runnerId, [{ runId: run.id, epoch: run.epoch }], now() + timing.leaseMs);
      }
      log.info({ judgeFrom: this.judgeFrom }, 'leases renewed after the database outage');
      return;
    }
    await expireLeases(this.deps, this.judgeFrom);
  }
}
