import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A run's workspace untouched this long is removed; default 7 days (a retry from a node needs it until then). */
export const WORKSPACE_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Removes the per-run workspaces (`<workDir>/runs/<flowId>-<runId>`, workspace-path.ts) not modified within
 * `maxAgeMs`, except those of runs still held (`activeRunIds`). `reuse-space` workspaces (`<workDir>/flows`) are
 * the flow's, kept between runs, and never swept. Returns the removed folders' names; a folder that cannot be
 * removed is left for the next sweep.
 */
export function sweepWorkspaces(
  workDir: string,
  options: { now: number; maxAgeMs?: number; activeRunIds?: Iterable<string> },
): string[] {
  const root = join(workDir, 'runs');
  const maxAgeMs = options.maxAgeMs ?? WORKSPACE_MAX_AGE_MS;
  const active = [...(options.activeRunIds ?? [])];
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (active.some((runId) => name.endsWith(`-${runId.replace(/[^A-Za-z0-9._-]/g, '_')}`))) continue;
    const path = join(root, name);
    try {
      if (options.now - statSync(path).mtimeMs <= maxAgeMs) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Gone already, or not ours to remove: the next sweep tries again.
    }
  }
  return removed;
}
