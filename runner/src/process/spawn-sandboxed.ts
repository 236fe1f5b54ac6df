import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { TaskCgroup } from './task-cgroup.js';
import { type RunSandbox, sandboxArgv } from './task-sandbox.js';

/** bwrap's descriptors: fd 3 stays the warm shell's payload socket (warm-shell.ts), whether used or not. */
const STATUS_FD = 4;
const BLOCK_FD = 5;

/**
 * A bwrap process and whether its command ran: true once bwrap reports the command's exit code, false when bwrap
 * ends without one (its sandbox could not be set up — a bind source gone, no user namespaces... — with its reason on
 * stderr; or bwrap itself was killed). A task whose sandbox failed did not run at all, which is floe's failure
 * (`error`), not the task's (`bad`).
 */
export type SandboxedChild = {
  child: ChildProcess;
  sandboxStarted: Promise<boolean>;
  /**
   * Once bwrap has named its first child (the sandbox's init): bwrap and that init, the only processes of the
   * group outside the sandbox's pid namespace, which the kernel empties before the init is gone. Lets the end of a
   * task check its group without reading every process of the machine: bwrap exits without reaping the init,
   * which stays a zombie in the group under an init that reaps late (some containers). Undefined before.
   */
  groupMembers: () => number[] | undefined;
};

/**
 * Spawns `command` in the run's sandbox (task-sandbox.ts) in a process group of its own, stdout and stderr piped,
 * fd 3 a socket (a warm shell's payload) when `payload` is set. bwrap waits until it and its first child are in
 * `cgroup` (when there is one) before it starts the command, so that every process of the task is born inside.
 * Throws as `spawn` does; a failure to start arrives as the child's 'error' event.
 */
export function spawnSandboxed(
  run: RunSandbox,
  command: string[],
  options: { cwd: string; env: Record<string, string>; cgroup: TaskCgroup | undefined; payload?: boolean },
): SandboxedChild {
  const argv = sandboxArgv(run, command, { statusFd: STATUS_FD, blockFd: BLOCK_FD });
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe', options.payload ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const stdio = child.stdio as unknown as (Readable | Writable | null)[];
  const status = stdio[STATUS_FD] as Readable | null;
  const block = stdio[BLOCK_FD] as Writable | null;
  block?.on('error', () => {});
  status?.on('error', () => {});
  let text = '';
  let init: number | undefined;
  let released = false;
  let started: (ok: boolean) => void = () => {};
  const sandboxStarted = new Promise<boolean>((resolve) => {
    started = resolve;
  });
  const release = async (childPid: number | undefined) => {
    if (released) return;
    released = true;
    const { cgroup } = options;
    // Both at once: each move can wait for the kernel's cgroup lock (task-cgroup.ts).
    if (cgroup && child.pid !== undefined)
      await Promise.all([child.pid, childPid].map((pid) => (pid === undefined ? true : cgroup.add(pid))));
    block?.end('x');
  };
  // bwrap writes `{"child-pid": N, …}` once its child exists, then sets the sandbox up in that child, and writes
  // `{"exit-code": N}` only if the command ran: a status that ends without one is a sandbox that failed.
  status?.on('data', (bytes: Buffer) => {
    text += bytes.toString('utf8');
    const pid = /"child-pid":\s*(\d+)/.exec(text)?.[1];
    if (pid !== undefined && text.includes('}')) {
      init = Number(pid);
      void release(init);
    }
    // Written as the command ends: known then, without waiting for the descriptor to close.
    if (/"exit-code":/.test(text)) started(true);
  });
  const ended = () => {
    void release(undefined);
    started(/"exit-code":/.test(text));
  };
  status?.once('end', ended);
  status?.once('close', ended);
  if (!status) started(true);
  for (const stream of [status, block]) (stream as { unref?: () => void } | null)?.unref?.();
  const groupMembers = () => (init === undefined || child.pid === undefined ? undefined : [child.pid, init]);
  return { child, sandboxStarted, groupMembers };
}
