import { createRun } from '../runs/create-run.js';
import type { HubDeps } from '../runs/hub-deps.js';
import { TriggerScheduler } from '../triggers/trigger-scheduler.js';

/**
 * The hub's timer and poll-git triggers: each firing pends a run of its flow. A poll-git trigger that watches the
 * flow's own repository runs it at the polled commit; one that watches another repository hands the run that
 * commit as its target.
 */
export function hubTriggers(deps: HubDeps): TriggerScheduler {
  const { store, log, now, hubId, timing, sources } = deps;
  return new TriggerScheduler({
    store,
    log: log.child({ part: 'triggers' }),
    now,
    hubId,
    minPeriodMs: timing.minTriggerPeriodMs,
    fire: async ({ flow, trigger, target }) => {
      const sameRepo = target && sources.get(flow.repo)?.cloneUrl === target.url;
      await createRun(deps, {
        flowId: flow.id,
        repo: flow.repo,
        trigger: { type: trigger.type, id: trigger.id },
        ...(target && sameRepo ? { ref: target.ref, sha: target.sha } : {}),
        ...(target && !sameRepo ? { target: { cloneUrl: target.url, ref: target.ref, sha: target.sha } } : {}),
      });
    },
  });
}
