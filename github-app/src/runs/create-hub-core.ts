// The core side of the seam with the runner gateway (gateway/hub-core.ts): registration, connect and
// disconnect, heartbeats and leases, offers accepted or declined, and records. The gateway knows sockets; this
// knows runs, leases and epochs (DESIGN §5).
import { randomUUID } from 'node:crypto';
import type { HeldRun } from '@floe/shared';
import type { HubCore, RunnerConnection, WelcomeRun } from '../gateway/hub-core.js';
import { publishRunner } from '../runners/runner-views.js';
import { hashSecret, newSecret } from '../store/hash-secret.js';
import { applyRecords } from './apply-records.js';
import type { HubDeps } from './hub-deps.js';
import { loseRun } from './lease.js';
import { publishRun } from './publish-run.js';

export function createHubCore(deps: HubDeps, hooks: { forgetRunner: (runnerId: string) => void }): HubCore {
  const { store, log } = deps;
  const leaseUntil = () => deps.now() + deps.timing.leaseMs;

  return {
    async registerRunner(token, name) {
      if (!(await store.useRegistrationToken(hashSecret(token), deps.now()))) return undefined;
      const credential = newSecret('floe_runner');
      const runner = await store.registerRunner({
        id: randomUUID(),
        name,
        credentialHash: hashSecret(credential),
        createdAt: deps.now(),
      });
      log.info({ runner: name, runnerId: runner.id }, 'runner registered');
      await publishRunner(deps, runner.id);
      return { runnerId: runner.id, credential };
    },

    async authenticateRunner(credential) {
      const runner = await store.findRunnerByCredential(hashSecret(credential));
      return runner && { runnerId: runner.id, name: runner.name };
    },

    async runnerConnected(connection: RunnerConnection, held: HeldRun[], version: string) {
      const { runnerId } = connection;
      await store.updateRunner(runnerId, {
        tags: connection.tags,
        slots: connection.slots,
        connected: true,
        connection: connection.id,
        lastSeenAt: deps.now(),
        version,
        sandboxed: connection.sandbox.sandboxed,
        sandboxReason: connection.sandbox.sandboxed ? null : (connection.sandbox.reason ?? null),
      });
      deps.connections.add(connection);
      hooks.forgetRunner(runnerId);
      const answers: WelcomeRun[] = [];
      const cancels: { runId: string; epoch: number; by: string }[] = [];
      for (const claim of held) {
        const answer = await deps.withRun(claim.runId, async (): Promise<WelcomeRun> => {
          let run = await store.getRun(claim.runId);
          const stop = { runId: claim.runId, epoch: claim.epoch, action: 'stop' as const, ackedSeq: run?.lastSeq ?? 0 };
          if (!run || run.runnerId !== runnerId || run.epoch !== claim.epoch) return stop;
          if (run.state === 'archived') {
            // Ended by its own engine (or the hub's timeout): the runner may still hold its last output, which the
            // hub keeps (apply-records.ts). A lost run is not the runner's any more.
            const winding = run.engine?.ended !== undefined && run.reasonCode !== 'lost';
            if (!winding) return stop;
            // The hub's own timeout ended it while the runner was away: its cancel may never have arrived.
            if (run.reasonCode === 'timeout') cancels.push({ runId: run.id, epoch: run.epoch, by: 'timeout' });
            return { runId: run.id, epoch: run.epoch, action: 'continue', ackedSeq: run.lastSeq };
          }
          if (run.state === 'pending') {
            // It accepted, and the accept was lost with the old socket: it is running the run.
            run = await store.acceptRun(run.id, runnerId, run.epoch, leaseUntil(), deps.now());
            if (!run) return stop;
            deps.deadlines.arm(run);
            await publishRun(deps, run);
          } else {
            await store.renewLeases(runnerId, [{ runId: run.id, epoch: run.epoch }], leaseUntil());
          }
          if (run.cancelRequestedBy !== undefined) {
            cancels.push({ runId: run.id, epoch: run.epoch, by: run.cancelRequestedBy });
          }
          return { runId: run.id, epoch: run.epoch, action: 'continue', ackedSeq: run.lastSeq };
        });
        answers.push(answer);
      }
      // What the store says this runner holds but it did not name came back without it (a restart that lost its
      // spool): lost (or re-queued) now rather than at the end of the lease; offers go back to the queue.
      const named = new Set(held.map((claim) => claim.runId));
      for (const run of await store.listLiveRuns()) {
        if (run.runnerId !== runnerId || named.has(run.id)) continue;
        await deps.withRun(run.id, async () => {
          const current = await store.getRun(run.id);
          if (!current || current.runnerId !== runnerId || current.epoch !== run.epoch) return;
          if (current.state === 'active') {
            log.warn({ runId: run.id, runner: connection.name }, 'runner came back without its run');
            await loseRun(deps, current, connection.name);
          } else if (current.state === 'pending') {
            const back = await store.withdrawOffer(current.id, current.epoch);
            if (back) await publishRun(deps, back);
          }
        });
      }
      log.info(
        { runner: connection.name, runnerId, tags: connection.tags, slots: connection.slots, held: held.length },
        'runner connected',
      );
      // A cancel asked for while the runner was away is sent again, after the welcome the gateway is sending.
      if (cancels.length > 0) {
        setImmediate(() => {
          for (const cancel of cancels) connection.send({ type: 'cancel', ...cancel });
        });
      }
      await publishRunner(deps, runnerId);
      deps.wake();
      return answers;
    },

    async runnerDisconnected(runnerId, connection) {
      deps.connections.remove(runnerId, connection);
      if (deps.connections.get(runnerId)) return;
      // Several hubs: the runner may have connected to another hub before this one saw its old socket close.
      if (!(await store.disconnectRunner(runnerId, connection?.id, deps.now()))) {
        log.info({ runnerId }, 'runner connected elsewhere since; its old socket closed');
        return;
      }
      // Offers in flight cannot be accepted any more: back to the queue at once. Active runs keep their leases
      // until they expire (DESIGN §5): a brief disconnect does not lose a run.
      for (const run of await store.listLiveRuns()) {
        if (run.state !== 'pending' || run.runnerId !== runnerId) continue;
        const back = await store.withdrawOffer(run.id, run.epoch);
        if (back) await publishRun(deps, back);
      }
      log.info({ runnerId }, 'runner disconnected');
      await publishRunner(deps, runnerId);
      deps.wake();
    },

    async heartbeat(runnerId, runs) {
      const renewed = new Set(await store.renewLeases(runnerId, runs, leaseUntil()));
      await store.updateRunner(runnerId, { lastSeenAt: deps.now() });
      for (const claim of runs) {
        if (renewed.has(claim.runId)) continue;
        const run = await store.getRun(claim.runId);
        const own = run?.runnerId === runnerId && run.epoch === claim.epoch;
        // An accept still on its way, or stored between the renewal and this read (through the runner's new socket
        // after a reconnect, whose hello takes the acceptance): not stale.
        if (own && (run?.state === 'pending' || run?.state === 'active')) continue;
        // A run that ended while its tasks are being killed: the runner is still sending their last output
        // (apply-records.ts keeps it); a stop now would make it drop that output.
        if (own && run?.state === 'archived' && run.engine?.ended && run.reasonCode !== 'lost') continue;
        const reason = !run
          ? 'the hub has no such run'
          : run.state === 'archived'
            ? `the run has ended: ${run.reason ?? ''}`
            : 'the run is no longer assigned to this runner at this epoch';
        deps.connections.send(runnerId, { type: 'stop', runId: claim.runId, epoch: claim.epoch, reason });
      }
    },

    async accepted(runnerId, runId, epoch) {
      await deps.withRun(runId, async () => {
        const run = await store.acceptRun(runId, runnerId, epoch, leaseUntil(), deps.now());
        if (!run) {
          const current = await store.getRun(runId);
          // Records may have activated it already; anything else means the offer is gone.
          if (current?.state === 'active' && current.runnerId === runnerId && current.epoch === epoch) return;
          deps.connections.send(runnerId, {
            type: 'stop',
            runId,
            epoch,
            reason:
              current?.state === 'archived' ? `the run has ended: ${current.reason ?? ''}` : 'the offer was withdrawn',
          });
          return;
        }
        log.info({ runId, runnerId, epoch }, 'run accepted');
        deps.deadlines.arm(run);
        await publishRun(deps, run);
        await publishRunner(deps, runnerId);
      });
    },

    async declined(runnerId, runId, epoch, reason) {
      await deps.withRun(runId, async () => {
        const run = await store.getRun(runId);
        if (!run || run.runnerId !== runnerId || run.epoch !== epoch) return;
        const back = await store.withdrawOffer(runId, epoch);
        if (!back) return;
        log.info({ runId, runnerId, reason }, 'offer declined');
        deps.avoid(runId, runnerId, `declined it (${reason})`);
        await publishRun(deps, back);
        await publishRunner(deps, runnerId);
      });
      deps.wake();
    },

    records(runnerId, runId, epoch, records) {
      return applyRecords(deps, runnerId, runId, epoch, records);
    },
  };
}
