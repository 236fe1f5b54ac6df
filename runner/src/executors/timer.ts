import { durationMs, formatDuration, type TaskOutcome } from '@floe/shared';
import { setLongTimeout } from './long-timeout.js';
import { sysLine } from './sys-line.js';
import type { TaskContext, TaskOf } from './task-context.js';

/**
 * The timer task really waits its `period` (DESIGN §3; the original returned at once) and then counts as
 * exited 0. Cancel ends the wait at once with `cancelled`.
 */
export function executeTimer(ctx: TaskContext, task: TaskOf<'timer'>): Promise<TaskOutcome> {
  const ms = durationMs(task.opts.period);
  if (ms === undefined)
    return Promise.resolve({ kind: 'error', message: `timer period ${task.opts.period} is not a duration` });
  if (ctx.signal.aborted) return Promise.resolve({ kind: 'cancelled' });
  sysLine(ctx, `waiting ${formatDuration(ms)}`);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimer();
      resolve({ kind: 'cancelled' });
    };
    const clearTimer = setLongTimeout(() => {
      ctx.signal.removeEventListener('abort', onAbort);
      resolve({ kind: 'exited', exitCode: 0 });
    }, ms);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}
