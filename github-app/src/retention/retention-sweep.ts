import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { type RetentionPolicy, RetentionPolicySchema } from './retention-policy.js';

const LEASE = 'retention';

export type SweepResult = { runsDeleted: number; logsCapped: number; auditDeleted: number; artifactsDeleted: number };

/**
 * The periodic retention sweep (retention-policy.ts). With several hubs on one database, the `retention` lease
 * makes one of them sweep at a time. Work is done in batches, so a sweep after months without one neither holds
 * the database for long nor stops the hub.
 */
export class RetentionSweep {
  readonly policy: RetentionPolicy;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepResult> | undefined;
  /** Logs of runs that ended before this were checked by an earlier sweep of this hub. */
  private checkedUntil = 0;

  constructor(
    private readonly deps: {
      store: Store;
      log: Logger;
      now: () => number;
      hubId: string;
      /**
       * Deletes artifacts past their `expire-in`, of runs deleted above, and uploads their run's end cut short
       * (artifacts/hub-artifacts.ts); returns how many. Default none.
       */
      sweepArtifacts?: () => Promise<number>;
    },
    policy: Partial<RetentionPolicy> = {},
  ) {
    this.policy = RetentionPolicySchema.parse(policy);
  }

  start(): void {
    this.timer = setInterval(() => {
      this.sweep().catch((err) => this.deps.log.error({ err }, 'retention sweep failed'));
    }, this.policy.sweepEveryMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One sweep now (the timer's, and tests'); a sweep already running is joined, not doubled. */
  sweep(): Promise<SweepResult> {
    this.running ??= this.sweepOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweepOnce(): Promise<SweepResult> {
    const { store, log, now, hubId } = this.deps;
    const { policy } = this;
    const result: SweepResult = { runsDeleted: 0, logsCapped: 0, auditDeleted: 0, artifactsDeleted: 0 };
    const at = now();
    if (!(await store.tryLease(LEASE, hubId, at, policy.sweepEveryMs))) return result;
    for (;;) {
      const deleted = await store.pruneRuns({
        endedBefore: at - policy.maxRunAgeMs,
        keepPerFlow: policy.maxRunsPerFlow,
        limit: policy.batch,
      });
      result.runsDeleted += deleted;
      if (deleted < policy.batch) break;
    }
    const head = Math.floor(policy.maxLogBytesPerNode / 4);
    const tail = Math.floor(policy.maxLogBytesPerNode / 2);
    const since = this.checkedUntil;
    for (;;) {
      const over = await store.listOversizedLogs(policy.maxLogBytesPerNode, since, policy.batch);
      for (const { runId, node } of over) await store.capLog(runId, node, head, tail);
      result.logsCapped += over.length;
      if (over.length < policy.batch) break;
    }
    this.checkedUntil = at;
    for (;;) {
      const deleted = await store.pruneAudit({ before: at - policy.maxAuditAgeMs, limit: policy.batch });
      result.auditDeleted += deleted;
      if (deleted < policy.batch) break;
    }
    // After the runs: an artifact lives no longer than its run (DESIGN §8 "Artifacts").
    result.artifactsDeleted = (await this.deps.sweepArtifacts?.()) ?? 0;
    if (result.runsDeleted > 0 || result.logsCapped > 0 || result.auditDeleted > 0 || result.artifactsDeleted > 0)
      log.info(result, 'retention sweep');
    return result;
  }
}
