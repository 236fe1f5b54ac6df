import type { FormValues, Me } from '@floe/shared';
import type { AuditLog } from '../audit/audit-log.js';
import { cancelRun } from '../runs/cancel-run.js';
import { type CreateRunInput, createRun } from '../runs/create-run.js';
import type { HubDeps } from '../runs/hub-deps.js';
import { retryRun } from '../runs/retry-run.js';
import { submitData } from '../runs/submit-data.js';
import type { RunRow } from '../store/store.js';

export interface RunVerbs {
  /** Starts a run by hand (the API and clients). Returns its id. */
  startRun(flowId: string, body: { data?: FormValues; repo?: string; ref?: string }, by: Me): Promise<string>;
  /** Pends a run for any trigger (the API, timers, polled refs, GitHub). */
  createRun(input: CreateRunInput): Promise<RunRow>;
  cancelRun(runId: string, by: Me): Promise<void>;
  retryRun(runId: string, from: string | undefined, by: Me): Promise<string>;
  submitData(
    runId: string,
    nodeId: string,
    body: { values: FormValues; reject?: boolean | undefined },
    by: Me,
  ): Promise<void>;
}

/** The run verbs (runs/) as people call them through the API: each one done by someone is audited. */
export function runVerbs(deps: HubDeps, audit: AuditLog): RunVerbs {
  return {
    async startRun(flowId, body, by) {
      const run = await createRun(deps, {
        flowId,
        ...(body.repo !== undefined ? { repo: body.repo } : {}),
        ...(body.ref !== undefined ? { ref: body.ref } : {}),
        trigger: { type: 'manual', by: by.name },
        ...(body.data !== undefined ? { data: body.data } : {}),
      });
      await audit.record(by, 'run.start', run.id, {
        flow: flowId,
        repo: run.repo,
        ...(run.ref !== undefined ? { ref: run.ref } : {}),
      });
      return run.id;
    },

    createRun: (input) => createRun(deps, input),

    async cancelRun(runId, by) {
      await cancelRun(deps, runId, by.name);
      await audit.record(by, 'run.cancel', runId);
    },

    async retryRun(runId, from, by) {
      const retry = await retryRun(deps, runId, from, by.name);
      await audit.record(by, 'run.retry', runId, { newRun: retry.id, ...(from !== undefined ? { from } : {}) });
      return retry.id;
    },

    async submitData(runId, nodeId, body, by) {
      await submitData(deps, runId, nodeId, body, by.name);
      await audit.record(by, body.reject ? 'run.reject' : 'run.answer', runId, { node: nodeId });
    },
  };
}
