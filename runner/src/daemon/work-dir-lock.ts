import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '../process/process-table.js';

/**
 * Claims the work directory for this process (`<work-dir>/runner.pid`). Two runners on one work directory would
 * share spools, and the second would kill the first one's tasks as leftovers of a crash. Returns the release
 * function, or the pid of the live runner that holds it.
 */
export function lockWorkDir(workDir: string): { release: () => void } | { heldBy: number } {
  const path = join(workDir, 'runner.pid');
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isProcessAlive(pid)) return { heldBy: pid };
  } catch {
    // No lock file: free.
  }
  mkdirSync(workDir, { recursive: true, mode: 0o700 });
  writeFileSync(path, `${process.pid}\n`);
  return {
    release: () => {
      try {
        if (Number(readFileSync(path, 'utf8').trim()) === process.pid) rmSync(path, { force: true });
      } catch {
        // Already gone.
      }
    },
  };
}
