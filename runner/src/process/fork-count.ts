import { readProcFile } from './read-proc-file.js';

/**
 * How many processes (and threads) the kernel has created since boot: the `processes` line of /proc/stat
 * (Linux); undefined elsewhere. The number is machine-wide, which is what makes it useful: when it has grown
 * by exactly the processes this runner spawned itself, nothing else on the machine forked meanwhile, so no
 * task can have left a process behind.
 */
export function forksSinceBoot(): number | undefined {
  const stat = readProcFile('/proc/stat');
  if (stat === undefined) return undefined;
  const match = /^processes (\d+)$/m.exec(stat);
  return match ? Number(match[1]) : undefined;
}

/** Processes this runner started, so far: task leaders (runProcess) and warm shells (warm-shell.ts). */
let spawned = 0;

export function countSpawn(): void {
  spawned++;
}

/** A mark taken just before a task's process is spawned. */
export interface ForkMark {
  forks: number | undefined;
  spawned: number;
}

export function forkMark(): ForkMark {
  return { forks: forksSinceBoot(), spawned };
}

/** How many processes the kernel created since `mark`; undefined when it cannot tell. */
export function forksSince(mark: ForkMark): number | undefined {
  const now = forksSinceBoot();
  return now === undefined || mark.forks === undefined ? undefined : now - mark.forks;
}

/**
 * Whether, since `mark`, the kernel created no process but those this runner started (task leaders and warm
 * shells, which are never another task's descendants). False when it cannot tell: callers then look for escaped processes.
 */
export function nothingElseForked(mark: ForkMark, forks = forksSince(mark)): boolean {
  return forks !== undefined && forks === spawned - mark.spawned;
}
