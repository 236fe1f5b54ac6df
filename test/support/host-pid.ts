import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The pid on this machine of the shell that wrote `written` as its `$$` and is still running a command. In a
 * runner's sandbox a task sees the pids of its own pid namespace (docs/runners.md "Task sandboxes"), so the shell is
 * looked up among the bash processes whose environment holds `mark` (`NAME=value`, a variable of the runner's that
 * its tasks inherit) and whose working directory contains `cwdPart` (a run's workspace is `runs/<flow>-<run id>`),
 * by the innermost pid their status names (NSpid). Idle warm shells of the same run also are bash with that pid in
 * their sandboxes: the task's is the one with a child. Without a sandbox the two pids are the same. Undefined when
 * there is no such process.
 */
export function hostPid(written: number, mark: string, cwdPart: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'latin1').trim() !== 'bash') continue;
      if (!readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(mark)) continue;
      if (!readlinkSync(`/proc/${entry}/cwd`).includes(cwdPart)) continue;
      const nspid = /^NSpid:\s+(.*)$/m
        .exec(readFileSync(`/proc/${entry}/status`, 'latin1'))?.[1]
        ?.trim()
        .split(/\s+/);
      if (Number(nspid?.at(-1)) !== written) continue;
      if (readFileSync(`/proc/${entry}/task/${entry}/children`, 'latin1').trim() === '') continue;
      return Number(entry);
    } catch {
      // Gone, or not ours to read.
    }
  }
  return undefined;
}
