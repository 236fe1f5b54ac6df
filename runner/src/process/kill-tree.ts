import { processEntry, readProcessTable } from './process-table.js';

export interface KillTreeOptions {
  /** From the first signal to SIGKILL; default 10 000 ms. SIGTERM follows SIGINT at three quarters of it
   * (GitHub Actions' ladder: interrupt, terminate at 7.5 s, kill at 10 s). */
  graceMs?: number;
  /** Start at SIGTERM instead of SIGINT (for leftovers of a task whose main process has already exited). */
  skipInterrupt?: boolean;
  /** Told of each signal as it is sent, e.g. to log it. */
  onSignal?: (signal: NodeJS.Signals) => void;
  /** How often the group is checked for survivors; default 25 ms. */
  pollMs?: number;
  /** Every process that can be in the group (see groupAlive); default: any on the machine. */
  members?: () => number[] | undefined;
}

/**
 * Signals the whole process group `pgid` down the ladder SIGINT → SIGTERM → SIGKILL (DESIGN §5 `cancel`), moving
 * on only while some member is still alive, and resolves once the group is empty (or a few seconds after
 * SIGKILL, if the kernel still shows it — e.g. a process stuck in uninterruptible I/O). Resolves with the last
 * signal sent, or undefined when the group was already gone. Never rejects.
 */
export async function killTree(pgid: number, options: KillTreeOptions = {}): Promise<NodeJS.Signals | undefined> {
  const graceMs = options.graceMs ?? 10_000;
  const pollMs = options.pollMs ?? 25;
  const ladder: [NodeJS.Signals, number][] = [
    ['SIGTERM', options.skipInterrupt ? 0 : graceMs * 0.75],
    ['SIGKILL', graceMs],
  ];
  if (!options.skipInterrupt) ladder.unshift(['SIGINT', 0]);
  const started = Date.now();
  let last: NodeJS.Signals | undefined;
  for (const [signal, at] of ladder) {
    while (Date.now() - started < at) {
      if (!groupAlive(pgid, options.members?.())) return last;
      await sleep(Math.min(pollMs, Math.max(1, at - (Date.now() - started))));
    }
    if (!groupAlive(pgid, options.members?.())) return last;
    if (!signalGroup(pgid, signal)) return last;
    last = signal;
    options.onSignal?.(signal);
  }
  const killedAt = Date.now();
  while (groupAlive(pgid, options.members?.()) && Date.now() - killedAt < 5_000) await sleep(pollMs);
  return last;
}

/**
 * Whether any non-zombie process is left in group `pgid`. `members`, when the caller knows them, are the only
 * processes that can be in it besides the ones they take with them (a sandbox's init: when it is gone, the kernel
 * has killed everything in its pid namespace), so only they are read instead of every process on the machine.
 */
export function groupAlive(pgid: number, members?: number[]): boolean {
  // kill(-pgid, 0) answers "gone" without reading the whole process table (the common case after a task).
  // It succeeds while a zombie is left in the group (an init that does not reap keeps it for ever), so only
  // then is the table read, which leaves zombies out.
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const table = members ? members.flatMap((pid) => processEntry(pid) ?? []) : readProcessTable();
  return table ? table.some((entry) => entry.pgid === pgid) : true;
}

/**
 * Whether group `pgid` outlives the end of its task. A sandboxed task's group is bwrap and the sandbox's init
 * (`members`): bwrap reports its command's end and exits while the init may still be tearing the sandbox's
 * namespaces down, for longer on a busy machine, and whatever the task left in them dies with it. So that group is
 * given up to `graceMs` to empty before it is taken for something the task left running: until then, a task's end
 * told its log of leftovers that were not there.
 */
export async function groupOutlives(
  pgid: number,
  members?: () => number[] | undefined,
  graceMs = 500,
): Promise<boolean> {
  if (!groupAlive(pgid, members?.())) return false;
  if (!members) return true;
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    await sleep(2);
    if (!groupAlive(pgid, members())) return false;
  }
  return true;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is gone
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
