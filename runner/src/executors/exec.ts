import { mkdirSync } from 'node:fs';
import type { TaskOutcome } from '@floe/shared';
import { giveToTaskUser } from '../process/give-to-task-user.js';
import { type ProcessCommand, runProcess } from '../process/run-process.js';
import { expandWs } from '../workspace/expand-ws.js';
import { resolveInWorkspace } from '../workspace/resolve-in-workspace.js';
import { buildTaskEnv } from '../workspace/task-env.js';
import { sysLine } from './sys-line.js';
import type { TaskContext, TaskOf } from './task-context.js';

/**
 * The exec task (DESIGN §8 "Expansion"; the original's, its bugs fixed: docs/floe-yaml.md "Coming from floe"):
 * - `cmd` runs without a shell: split on whitespace into program and args, unless `args` is given, in which case
 *   `cmd` is the program as it is; every word gets `{{ws}}`/`./`/`.` expansion (`expandWs`), `$VAR` does not.
 * - `shell` runs as `bash -eo pipefail -c <script>` and is left to bash (`args`, if any, are appended to the
 *   script joined by spaces, as the original did).
 * - the working directory is `sub-dir` inside the workspace (created 0700), which may not leave it.
 * Resolves `exited` with the exit code, `cancelled` when `ctx.signal` aborts, and `exited 1` with the reason in
 * the log when the program cannot start (no such program, not executable), as the original did: its flows
 * handle that on `task.<id>.bad`. `error` stays for floe's own failures (a sub-dir outside the workspace…).
 */
export async function executeExec(ctx: TaskContext, task: TaskOf<'exec'>): Promise<TaskOutcome> {
  const opts = task.opts;
  if ((opts.cmd === undefined) === (opts.shell === undefined)) {
    return { kind: 'error', message: `exec task ${task.id} needs exactly one of cmd and shell` };
  }
  let command: ProcessCommand;
  if (opts.shell !== undefined) {
    command = { script: opts.args?.length ? `${opts.shell} ${opts.args.join(' ')}` : opts.shell };
  } else {
    const words = opts.args ? [opts.cmd ?? '', ...opts.args] : (opts.cmd ?? '').trim().split(/\s+/);
    const [file = '', ...args] = words.map((word) => expandWs(word, ctx.workspace));
    if (!file) return { kind: 'error', message: `exec task ${task.id} has an empty cmd` };
    command = { file, args };
  }

  let cwd = ctx.workspace;
  if (opts['sub-dir']) {
    const inside = await resolveInWorkspace(ctx.workspace, opts['sub-dir'], 'sub-dir');
    if (!inside.ok) return { kind: 'error', message: inside.message };
    cwd = inside.path;
  }
  try {
    // Synchronous: one mkdir of a directory that is almost always there, where the thread pool may be busy
    // with the cgroup operations of other tasks (task-cgroup.ts), which can each wait for a grace period.
    const made = mkdirSync(cwd, { recursive: true, mode: 0o700 });
    // Made by the runner: the task user's before the task starts in it.
    if (made && ctx.sandbox) await giveToTaskUser(ctx.sandbox, made);
  } catch (err) {
    return { kind: 'error', message: `cannot make the working directory ${cwd}: ${(err as Error).message}` };
  }

  const env = buildTaskEnv({
    matrix: task.combination?.values,
    baseEnv: ctx.baseEnv,
    flowEnv: ctx.flow.env,
    taskEnv: opts.env,
    workspace: ctx.workspace,
    flowId: ctx.flow.id,
    nodeId: task.id,
    run: ctx.run,
    ...(ctx.summaryFile !== undefined ? { summaryFile: ctx.summaryFile } : {}),
  });
  if (cwd !== ctx.workspace) sysLine(ctx, `in ${opts['sub-dir']}`);
  if ('script' in command) {
    const lines = command.script.split('\n');
    for (const [index, line] of lines.entries()) sysLine(ctx, `${index === 0 ? '$' : '>'} ${line}`);
  } else {
    sysLine(ctx, `$ ${[command.file, ...command.args].map(quoteForLog).join(' ')}`);
  }
  const outcome = await runProcess({
    ...command,
    cwd,
    env,
    signal: ctx.signal,
    killGraceMs: ctx.killGraceMs,
    onLog: ctx.onLog,
    onStart: ctx.onProcess,
    ...(ctx.sandbox ? { sandbox: ctx.sandbox } : {}),
  });
  // runProcess resolves `error` only when the process could not start.
  if (outcome.kind !== 'error') return outcome;
  sysLine(ctx, outcome.message);
  sysLine(ctx, 'exited 1');
  return { kind: 'exited', exitCode: 1 };
}

function quoteForLog(word: string): string {
  return word === '' || /[\s"'\\$`]/.test(word) ? JSON.stringify(word) : word;
}
