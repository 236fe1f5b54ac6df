import { randomBytes } from 'node:crypto';
import { readProcessEnviron, readProcessTable } from '../process/process-table.js';

/** A process killed because a previous life of the runner left it behind. */
export interface Leftover {
  pid: number;
  pgid: number;
  name: string;
}

/** The environment variable that marks every task process of a run this runner accepted (runner-daemon.ts). */
export const RUN_MARK = 'FLOE_RUNNER_MARK';

/**
 * The mark of one acceptance of a run: `<instance>.<runId>.<epoch>.<random>`, where the instance names the
 * runner's life that accepted it. The instance alone marks that life's warm shells (warm-shell.ts): a task
 * started in one carries the full mark only in what it execs, the shell itself and what it forks keep the
 * environment the shell started with.
 */
export function acceptanceMark(instance: string, runId: string, epoch: number): string {
  return `${instance}.${runId}.${epoch}.${randomBytes(6).toString('hex')}`;
}

/**
 * Kills (SIGKILL) every process whose environment holds `<RUN_MARK>=<mark>` — the tasks of one accepted run, marks
 * being unique per acceptance, so that another runner on this machine holding the same run later is never hit —
 * and, with `wholeLife` (a dead life's leftovers), `<RUN_MARK>=<the mark's instance>`: the warm shells of the
 * runner life that accepted it, tasks of that life or idle. And the process group each one belongs to, so that
 * children that cleared their environment die with their group. A runner that restarts after a crash calls it
 * (with `wholeLife`) for every run in its spool before it says hello (DESIGN §8 "Runner restarts"). Linux only (it reads /proc); elsewhere it finds nothing. Returns what it killed, for the log.
 */
export function killLeftovers(mark: string, wholeLife = false): Leftover[] {
  const table = readProcessTable();
  if (!table) return [];
  const marked = `${RUN_MARK}=${mark}`;
  const instance = wholeLife ? `${RUN_MARK}=${mark.split('.')[0]}` : undefined;
  const killed: Leftover[] = [];
  const groups = new Set<number>();
  for (const entry of table) {
    if (entry.pid === process.pid) continue;
    const environ = readProcessEnviron(entry.pid);
    if (!environ || (!environ.includes(marked) && !(instance && environ.includes(instance)))) continue;
    // Never our own group: a task's group is its own (tasks start detached), the daemon's is the daemon's.
    if (entry.pgid > 1 && entry.pgid !== process.pid && entry.pgid !== getpgid()) groups.add(entry.pgid);
    if (signal(entry.pid)) killed.push({ pid: entry.pid, pgid: entry.pgid, name: entry.name });
  }
  for (const pgid of groups) signal(-pgid);
  return killed;
}

function signal(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false; // gone already, or not ours to kill
  }
}

/** This process's group, read from /proc (Node has no getpgid). */
function getpgid(): number {
  return readProcessTable()?.find((entry) => entry.pid === process.pid)?.pgid ?? -1;
}
