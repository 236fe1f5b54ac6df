import type { RunnerView } from '@floe/shared';
import { HUB_VERSION } from '../hub-version.js';
import type { RunnerRow, Store } from '../store/store.js';
import type { ConnectedRunners } from './connected-runners.js';
import { runnerUpdate } from './runner-update.js';

/** Every registered runner with whether it is connected and the runs it holds (`GET /api/runners`). */
export async function runnerViews(store: Store, connections: ConnectedRunners): Promise<RunnerView[]> {
  const [runners, live] = await Promise.all([store.listRunners(), store.listLiveRuns()]);
  return runners.map((runner) => toRunnerView(runner, connections, live));
}

export function toRunnerView(
  runner: RunnerRow,
  connections: ConnectedRunners,
  live: { id: string; number: number; flowId: string; runnerId?: string | undefined }[],
): RunnerView {
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

/** Tells listeners that a runner changed (connected, disconnected, took or released a run). */
export async function publishRunner(
  deps: {
    store: Store;
    connections: ConnectedRunners;
    events: { emit(e: { type: 'runner-changed'; runner: RunnerView }): unknown };
  },
  runnerId: string | undefined,
): Promise<void> {
  if (runnerId === undefined) return;
  const runner = await deps.store.getRunner(runnerId);
  if (!runner) return;
  const live = await deps.store.listLiveRuns();
  deps.events.emit({ type: 'runner-changed', runner: toRunnerView(runner, deps.connections, live) });
}
