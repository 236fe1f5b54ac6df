// The core side of the seam with the runner gateway (gateway/hub-core.ts): each call is a verb of its own file
// here. The gateway knows sockets; the verbs know runs, leases and epochs (DESIGN §5).
import type { HubCore } from '../gateway/hub-core.js';
import { offerAccepted, offerDeclined } from './answer-offer.js';
import { applyRecords } from './apply-records.js';
import { heartbeat } from './heartbeat.js';
import type { HubDeps } from './hub-deps.js';
import { runnerConnected } from './runner-connected.js';
import { authenticateRunner, registerRunner } from './runner-credentials.js';
import { runnerDisconnected } from './runner-disconnected.js';
import { runnerDraining } from './runner-draining.js';

export function createHubCore(deps: HubDeps, hooks: { forgetRunner: (runnerId: string) => void }): HubCore {
  return {
    registerRunner: (token, name) => registerRunner(deps, token, name),
    authenticateRunner: (credential) => authenticateRunner(deps, credential),
    runnerConnected: (connection, held, version) =>
      runnerConnected(deps, connection, held, version, hooks.forgetRunner),
    runnerDisconnected: (runnerId, connection) => runnerDisconnected(deps, runnerId, connection),
    heartbeat: (runnerId, runs, metrics) => {
      if (metrics) deps.metrics.runnerReported(runnerId, metrics);
      return heartbeat(deps, runnerId, runs);
    },
    accepted: (runnerId, runId, epoch) => offerAccepted(deps, runnerId, runId, epoch),
    declined: (runnerId, runId, epoch, reason) => offerDeclined(deps, runnerId, runId, epoch, reason),
    records: (runnerId, runId, epoch, records) => applyRecords(deps, runnerId, runId, epoch, records),
    draining: (connection) => runnerDraining(deps, connection),
  };
}
