import type { Me, RunnerView } from '@floe/shared';
import type { AuditLog } from '../audit/audit-log.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { publishRunner, runnerViews, toRunnerView } from '../runners/runner-views.js';
import { drainRunner } from '../runs/drain-runner.js';
import type { HubDeps } from '../runs/hub-deps.js';
import { removeRunner } from '../runs/remove-runner.js';
import { hashSecret, newSecret } from '../store/hash-secret.js';
import type { HubChanges } from './hub-changes.js';

export interface RunnerVerbs {
  /** Removes a runner: credential refused, socket closed, active runs lost or re-queued. FLOE_RUNNER_NOT_FOUND. */
  removeRunner(name: string, by: Me): Promise<void>;
  /**
   * Drains (or undrains) a runner: it is offered nothing while drained and finishes what it holds; audited,
   * announced. FLOE_RUNNER_NOT_FOUND.
   */
  drainRunner(name: string, drained: boolean, by: Me): Promise<RunnerView>;
  /** Makes a one-time runner registration token. */
  createRunnerToken(by: Me): Promise<string>;
  runners(): Promise<RunnerView[]>;
}

/** Runners as the hub's API manages them: registration tokens, the list, removal (audited). */
export function runnerVerbs(parts: {
  deps: HubDeps;
  audit: AuditLog;
  dispatcher: Pick<Dispatcher, 'forgetRunner'>;
  changes: Pick<HubChanges, 'announce' | 'dropRunner'>;
  /** How long a registration token stays valid. */
  registrationTokenTtlMs: number;
}): RunnerVerbs {
  const { deps, audit, dispatcher, changes } = parts;
  const { store, now, log } = deps;
  return {
    async removeRunner(name, by) {
      const held = await removeRunner(deps, name, by.name, (runnerId, reason, connection) =>
        changes.dropRunner(runnerId, reason, connection),
      );
      dispatcher.forgetRunner(name);
      await audit.record(by, 'runner.delete', name, held.length > 0 ? { runs: held.join(' ') } : undefined);
      changes.announce({ kind: 'runners' });
    },

    async drainRunner(name, drained, by) {
      const row = await drainRunner(deps, name, drained);
      await audit.record(by, drained ? 'runner.drain' : 'runner.undrain', name);
      // The runners view of every hub and dashboard shows it (the event reaches the other hubs as a signal).
      publishRunner(deps, row.id);
      return toRunnerView(row, deps.connections, await store.listLiveRunRefs(row.id));
    },

    async createRunnerToken(by) {
      const token = newSecret('floe_reg');
      await store.createRegistrationToken({
        tokenHash: hashSecret(token),
        expiresAt: now() + parts.registrationTokenTtlMs,
        createdAt: now(),
      });
      log.info({ by: by.name }, 'runner registration token created');
      await audit.record(by, 'runner-token.create', 'registration token');
      return token;
    },

    runners: () => runnerViews(store, deps.connections),
  };
}
