import { execFile } from 'node:child_process';
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
