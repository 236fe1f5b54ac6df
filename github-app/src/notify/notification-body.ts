// What an outgoing webhook says when a run ends or waits for a person (docs/api.md "Notifications"): `floe`, a JSON
// document with the run (and the tasks that failed, or the task waiting), or `slack`, the `{text}` a Slack incoming
// webhook (and the many tools that copy its format) shows. A body is made once and sent the same at every attempt.
import { isMerge, type RunResult } from '@floe/shared';
import type { RunRow } from '../store/store.js';

export type NotificationFormat = 'floe' | 'slack';

/** A failed task as the floe body lists it. */
type FailedTask = { id: string; name: string; state: string; reason?: string };

/**
 * The run's end — or, with `waitingFor`, that a `data` task waits for a person — as JSON text in `format`; `runUrl` is
 * the dashboard's page of the run, when the hub knows its URL.
 */
export function notificationBody(
  run: RunRow,
  format: NotificationFormat,
  runUrl: string | undefined,
  waitingFor?: { id: string; name: string },
): string {
  const failed: FailedTask[] = [];
  for (const node of run.flow.tasks) {
    if (isMerge(node)) continue;
    const state = run.engine?.nodes[node.id];
    if (state && (state.state === 'bad' || state.state === 'error')) {
      failed.push({
        id: node.id,
        name: node.name,
        state: state.state,
        ...(state.reason ? { reason: state.reason } : {}),
      });
    }
  }
  if (waitingFor) {
    if (format === 'slack') return JSON.stringify({ text: slackWaiting(run, waitingFor.name, runUrl) });
    return JSON.stringify({
      event: 'run-waiting',
      run: runFields(run, runUrl),
      waitingFor,
    });
  }
  const result = (run.result ?? 'cancelled') as RunResult;
  if (format === 'slack') return JSON.stringify({ text: slackText(run, result, failed, runUrl) });
  return JSON.stringify({
    event: 'run-ended',
    run: { ...runFields(run, runUrl), result },
    failedTasks: failed,
  });
}

function runFields(run: RunRow, runUrl: string | undefined) {
  return {
    id: run.id,
    number: run.number,
    repo: run.repo,
    flowId: run.flowId,
    flowName: run.flow.name,
    ...(run.ref !== undefined ? { ref: run.ref } : {}),
    ...(run.sha !== undefined ? { sha: run.sha } : {}),
    ...(run.reason !== undefined ? { reason: run.reason } : {}),
    ...(run.reasonCode !== undefined ? { reasonCode: run.reasonCode } : {}),
    trigger: { type: run.trigger.type, ...(run.trigger.by !== undefined ? { by: run.trigger.by } : {}) },
    createdAt: run.createdAt,
    ...(run.startedAt !== undefined ? { startedAt: run.startedAt } : {}),
    ...(run.endedAt !== undefined ? { endedAt: run.endedAt } : {}),
    ...(runUrl !== undefined ? { url: runUrl } : {}),
  };
}

/**
 * Slack reads `<`, `>` and `&` as markup (links, mentions such as <!channel>): names from FLOE.yaml and reasons from
 * task output are escaped so that they are only ever shown.
 */
const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function slackTitle(run: RunRow, runUrl: string | undefined): string {
  const title = `${esc(run.repo)} · ${esc(run.flow.name)} #${run.number}`;
  return runUrl ? `<${runUrl}|${title}>` : title;
}

function slackWaiting(run: RunRow, task: string, runUrl: string | undefined): string {
  return `:hourglass_flowing_sand: ${slackTitle(run, runUrl)} waits for input at ${esc(task)}`;
}

const ICON: Record<RunResult, string> = { good: ':white_check_mark:', bad: ':x:', cancelled: ':no_entry_sign:' };

function slackText(run: RunRow, result: RunResult, failed: FailedTask[], runUrl: string | undefined): string {
  const head = `${ICON[result]} ${slackTitle(run, runUrl)} ${result}`;
  const ref = run.ref ? ` on ${esc(run.ref.replace(/^refs\/heads\//, ''))}` : '';
  const lines = [`${head}${ref}${run.reason ? `: ${esc(run.reason)}` : ''}`];
  for (const task of failed.slice(0, 10))
    lines.push(`• ${esc(task.name)} ${task.state}${task.reason ? `: ${esc(task.reason)}` : ''}`);
  if (failed.length > 10) lines.push(`… and ${failed.length - 10} more`);
  return lines.join('\n');
}
