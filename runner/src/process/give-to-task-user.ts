import { execFile } from 'node:child_process';
import { chownSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunSandbox } from './task-sandbox.js';

/**
 * Makes `paths` (recursively) the task user's, so that a sandboxed task can write its workspace after the runner
 * wrote in it (the checkout, a fetch) — `chown -R`, one process, not a walk in JavaScript. A no-op when tasks run
 * as the runner's own user. Never rejects: a file it could not give away is one the task cannot change, which the
 * task reports itself.
 */
export function giveToTaskUser(run: RunSandbox, ...paths: string[]): Promise<void> {
  const user = run.sandbox.user;
  if (!user || paths.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    // -h: a symbolic link the checkout made is changed itself, never what it points at.
    execFile('chown', ['-R', '-h', '--', `${user.uid}:${user.gid}`, ...paths], () => resolve());
  });
}

/**
 * Makes a clone the run's tasks have had the runner's again before the runner's git works in it: its `.git` is
 * removed — a task may have written a `.git/config` (core.fsmonitor, hooks, filter drivers, includes) for the
 * runner's git to run — and what is left is given back to the runner's user, since git refuses a repository another
 * user owns. The next fetch makes `.git` afresh. A no-op when tasks run as the runner's own user. Never rejects.
 */
export async function takeBackClone(run: RunSandbox, dir: string): Promise<void> {
  if (!run.sandbox.user) return;
  await rm(join(dir, '.git'), { recursive: true, force: true }).catch(() => {});
  await new Promise<void>((resolve) => {
    execFile('chown', ['-R', '-h', '--', `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`, dir], () =>
      resolve(),
    );
  });
}

/** Gives directories the runner has just made (empty) to the task user: one chown each, no process. Throws as chown does. */
export function giveNewDirsToTaskUser(run: RunSandbox, ...dirs: string[]): void {
  const user = run.sandbox.user;
  if (!user) return;
  for (const dir of dirs) chownSync(dir, user.uid, user.gid);
}
