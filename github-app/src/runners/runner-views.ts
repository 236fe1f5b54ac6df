import type { RunnerView } from '@floe/shared';
import { HUB_VERSION } from '../hub-version.js';
import type { LiveRunRef, RunnerRow, Store } from '../store/store.js';
import type { ConnectedRunners } from './connected-runners.js';
import { runnerUpdate } from './runner-update.js';

/** Every registered runner with whether it is connected and the runs it holds (`GET /api/runners`). */
export async function runnerViews(store: Store, connections: ConnectedRunners): Promise<RunnerView[]> {
  const [runners, live] = await Promise.all([store.listRunners(), store.listLiveRunRefs()]);
  return runners.map((runner) => toRunnerView(runner, connections, live));
}

export function toRunnerView(runner: RunnerRow, connections: ConnectedRunners, live: LiveRunRef[]): RunnerView {
  const connection = connections.get(runner.id);
  const sandbox = connection?.sandbox ?? { sandboxed: runner.sandboxed, reason: runner.sandboxReason };
  const update = runnerUpdate(runner, { version: HUB_VERSION });
  return {
    name: runner.name,
    tags: connection?.tags ?? runner.tags,
    slots: connection?.slots ?? runner.slots,
    connected: connection !== undefined,
    runs: live
      .filter((run) => run.runnerId === runner.id)
      .map((run) => ({ id: run.id, number: run.number, flowId: run.flowId })),
    ...(runner.lastSeenAt !== undefined ? { lastSeenAt: runner.lastSeenAt } : {}),
    sandboxed: sandbox.sandboxed,
    ...(!sandbox.sandboxed && sandbox.reason !== undefined ? { sandboxReason: sandbox.reason } : {}),
    drained: runner.drained,
    ...(runner.version !== undefined ? { version: runner.version } : {}),
    ...(runner.protocol !== undefined ? { protocol: runner.protocol } : {}),
    ...(update !== undefined ? { update } : {}),
  };
}

/**
 * Tells listeners that a runner changed (connected, disconnected, took or released a run). The event names the
 * runner only: it is on every offer, accept and run end, and its one reader (the live `runners` topic) reads the
 * runners again anyway, so nothing is read from the store for it here.
 */
export function publishRunner(
  deps: { events: { emit(e: { type: 'runner-changed'; runnerId: string }): unknown } },
  runnerId: string | undefined,
): void {
  if (runnerId !== undefined) deps.events.emit({ type: 'runner-changed', runnerId });
}
