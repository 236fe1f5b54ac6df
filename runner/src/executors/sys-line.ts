import type { TaskContext } from './task-context.js';

/** Logs one of floe's own lines (`sys` stream) to the task's log. */
export function sysLine(ctx: Pick<TaskContext, 'onLog'>, line: string): void {
  ctx.onLog({ stream: 'sys', at: Date.now(), text: `${line}\n` });
}
