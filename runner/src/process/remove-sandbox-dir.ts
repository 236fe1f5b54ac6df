import { rmdirSync, rmSync } from 'node:fs';

/**
 * Removes a directory a sandbox bound (a run's home or tmp, a spare's box), retried: a sandbox's init killed with
 * its bwrap may still be leaving its mount points in it for a moment. Most tasks leave these empty: one rmdir then,
 * where the recursive removal's lstat, failed rmdir and readdir were a few per cent of a one-task run's cost to the
 * runner (pnpm bench runner).
 */
export function removeSandboxDir(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    rmSync(path, { recursive: true, force: true, maxRetries: 3, retryDelay: 20 });
  }
}
