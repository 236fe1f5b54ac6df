import type { HeldRun } from '@floe/shared';
import type { RunnerConnection, WelcomeRun } from '../gateway/hub-core.js';
import { publishRunner } from '../runners/runner-views.js';
import type { HubDeps } from './hub-deps.js';
import { loseRun } from './lease.js';
import { publishRun } from './publish-run.js';

type Cancel = { runId: string; epoch: number; by: string };

/**
 * A runner connected (its hello): it is marked connected with what it said of itself, each run it says it holds
 * is answered continue or stop (the welcome), and the runs the store gives it that it did not name are lost or go
 * back to the queue. Cancels asked for while it was away are sent again after the welcome.
 */
export async function runnerConnected(
  deps: HubDeps,
  connection: RunnerConnection,
  held: HeldRun[],
  version: string,
  forgetRunner: (runnerId: string) => void,
): Promise<WelcomeRun[]> {
  const { store, log } = deps;
  const { runnerId } = connection;
  const row = await store.updateRunner(runnerId, {
    protocol: connection.protocol,
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
  forgetRunner(runnerId);
  const cancels: Cancel[] = [];
  const answers: WelcomeRun[] = [];
  for (const claim of held) {
    answers.push(await deps.withRun(claim.runId, () => answerClaim(deps, runnerId, claim, cancels)));
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
  // A drained runner hears it again at every connect (after the welcome): it restarted, or moved to this hub.
  if (row?.drained) setImmediate(() => connection.send({ type: 'drain', drained: true }));
  publishRunner(deps, runnerId);
  deps.wake();
  return answers;
}

/** Whether a run the runner says it holds is still its own: continue it (from `ackedSeq`) or stop it. */
async function answerClaim(deps: HubDeps, runnerId: string, claim: HeldRun, cancels: Cancel[]): Promise<WelcomeRun> {
  const { store } = deps;
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
    run = await store.acceptRun(run.id, runnerId, run.epoch, deps.now() + deps.timing.leaseMs, deps.now());
    if (!run) return stop;
    deps.deadlines.arm(run);
    await publishRun(deps, run);
  } else {
    await store.renewLeases(runnerId, [{ runId: run.id, epoch: run.epoch }], deps.now() + deps.timing.leaseMs);
  }
  if (run.cancelRequestedBy !== undefined) {
    cancels.push({ runId: run.id, epoch: run.epoch, by: run.cancelRequestedBy });
  }
  return { runId: run.id, epoch: run.epoch, action: 'continue', ackedSeq: run.lastSeq };
}
