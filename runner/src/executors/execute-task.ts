import { cacheLine, durationMs, formatDuration, type TaskOutcome } from '@floe/shared';
import { executeExec } from './exec.js';
import { executeFetch } from './fetch.js';
import { executeGitCheckout } from './git-checkout.js';
import { setLongTimeout } from './long-timeout.js';
import { sysLine } from './sys-line.js';
import type { TaskContext } from './task-context.js';
import { executeTimer } from './timer.js';

/**
 * Executes one attempt of a task and resolves to its outcome; never rejects (CONTRIBUTING.md "Outcomes are values").
 * - Dispatches on `ctx.task.type` to exec, git-checkout (also the old `git-merge`), fetch or timer. `data` and
 *   `end` nodes are the engine's, not an executor's: they resolve `error`.
 * - Applies the task's `timeout` (DESIGN §8): the task is killed like a cancel and resolves `timed-out`.
 * - An attempt after the first starts its log with a `── attempt 2 of 3 ──` header (DESIGN §8 "Retry").
 * - Restores an exec task's `cache` before it and saves it after a good task whose key missed (task-cache.ts);
 *   the restore counts towards the timeout, the save is stopped only by a cancel of the run.
 * - Resolves only once every process the task started is gone, and its `artifacts:` are stored or refused
 *   (artifacts/keep-artifacts.ts): a task's timeout does not stop that upload, a cancel of the run does.
 */
export async function executeTask(ctx: TaskContext): Promise<TaskOutcome> {
  const { task } = ctx;
  if (ctx.attempt > 1) sysLine(ctx, `── attempt ${ctx.attempt} of ${(task.retry ?? 0) + 1} ──`);

  const stop = new AbortController();
  const onCancel = () => stop.abort();
  if (ctx.signal.aborted) stop.abort();
  else ctx.signal.addEventListener('abort', onCancel, { once: true });
  const timeoutMs = task.timeout === undefined ? undefined : durationMs(task.timeout);
  let timedOut = false;
  const clearTimer =
    timeoutMs === undefined
      ? undefined
      : setLongTimeout(() => {
          timedOut = true;
          sysLine(ctx, `timed out after ${formatDuration(timeoutMs)}`);
          stop.abort();
        }, timeoutMs);

  try {
    const cache = task.type === 'exec' ? task.cache : undefined;
    if (cache && !ctx.caches)
      sysLine(ctx, cacheLine({ outcome: 'error', key: 'this runner keeps no caches (--cache-max-mb 0)' }));
    // Caches and artifacts load their archive and glob libraries only for tasks that have them: every `floe run`
    // and runner start would otherwise pay for parsing them (~175 KB of the bundle).
    const caching = cache && ctx.caches ? await import('../cache/task-cache.js') : undefined;
    const restored =
      cache && ctx.caches && caching
        ? await caching.restoreTaskCache({ ...ctx, signal: stop.signal }, ctx.caches, cache)
        : undefined;
    let outcome = await dispatch({ ...ctx, signal: stop.signal });
    if (timedOut && timeoutMs !== undefined && outcome.kind === 'cancelled')
      outcome = { kind: 'timed-out', afterMs: timeoutMs };
    clearTimer?.();
    if (restored && caching && ctx.caches && !stop.signal.aborted)
      await caching.saveTaskCache(ctx, ctx.caches, restored, outcome);
    if (!task.artifacts?.length) return outcome;
    const { keepArtifacts } = await import('../artifacts/keep-artifacts.js');
    return await keepArtifacts(ctx, task, outcome);
  } catch (err) {
    // A bug of ours, not the task's failure: still a value, so the run can end cleanly.
    return { kind: 'error', message: `internal error executing ${task.id}: ${(err as Error)?.message ?? String(err)}` };
  } finally {
    clearTimer?.();
    ctx.signal.removeEventListener('abort', onCancel);
  }
}

function dispatch(ctx: TaskContext): Promise<TaskOutcome> {
  const { task } = ctx;
  switch (task.type) {
    case 'exec':
      return executeExec(ctx, task);
    case 'git-checkout':
    case 'git-merge':
      return executeGitCheckout(ctx, task);
    case 'fetch':
      return executeFetch(ctx, task);
    case 'timer':
      return executeTimer(ctx, task);
    case 'data':
    case 'end':
      return Promise.resolve({
        kind: 'error',
        message: `${task.type} task ${task.id} is run by the engine, not an executor`,
      });
  }
}
