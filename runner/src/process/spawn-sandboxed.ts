import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { TaskCgroup } from './task-cgroup.js';
import { type RunSandbox, sandboxArgv } from './task-sandbox.js';

/** bwrap's descriptors: fd 3 stays the warm shell's payload socket (warm-shell.ts), whether used or not. */
const INFO_FD = 4;
const BLOCK_FD = 5;

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
): ChildProcess {
  const argv = sandboxArgv(run, command, { infoFd: INFO_FD, blockFd: BLOCK_FD });
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe', options.payload ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const stdio = child.stdio as unknown as (Readable | Writable | null)[];
  const info = stdio[INFO_FD] as Readable | null;
  const block = stdio[BLOCK_FD] as Writable | null;
  block?.on('error', () => {});
  info?.on('error', () => {});
  let text = '';
  let released = false;
  const release = async (childPid: number | undefined) => {
    if (released) return;
    released = true;
    info?.removeAllListeners('data');
    info?.destroy();
    const { cgroup } = options;
    // Both at once: each move can wait for the kernel's cgroup lock (task-cgroup.ts).
    if (cgroup && child.pid !== undefined)
      await Promise.all([child.pid, childPid].map((pid) => (pid === undefined ? true : cgroup.add(pid))));
    block?.end('x');
  };
  info?.on('data', (bytes: Buffer) => {
    text += bytes.toString('utf8');
    // bwrap writes one JSON object, `{"child-pid": N, …}`, and keeps the descriptor open.
    const pid = /"child-pid":\s*(\d+)/.exec(text)?.[1];
    if (pid !== undefined && text.includes('}')) void release(Number(pid));
  });
  info?.once('end', () => void release(undefined));
  for (const stream of [info, block]) (stream as { unref?: () => void } | null)?.unref?.();
  return child;
}
