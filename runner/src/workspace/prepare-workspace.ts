import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { workspacePath } from './workspace-path.js';

export interface PrepareWorkspaceOptions {
  /** The runner's work directory (made absolute). */
  workDir: string;
  flow: { id: string; 'reuse-space'?: boolean };
  runId: string;
  /**
   * A per-run workspace is made in this directory, not at its place, and moved to its place by `release`: the box
   * of a sandbox started before the run (process/spare-sandboxes.ts), which binds the box and not the run's paths.
   * One already at its place (the run was held here before) is moved in. Not for a `reuse-space` workspace.
   */
  box?: string;
}

export interface Workspace {
  /** Absolute path of the workspace directory, created with mode 0700. */
  path: string;
  /** Lets the next run of a `reuse-space` flow in; call once the run has ended. Idempotent; never rejects. */
  release(): Promise<void>;
}

// Tail of the queue per reuse-space workspace (DESIGN §3 rule 6: two runs of the flow never share it at once;
// other flows are not blocked). In-process: one runner process owns its work directory.
const queues = new Map<string, Promise<void>>();

/**
 * Makes (or, with `reuse-space`, waits for and reuses) the workspace of a run; see `workspacePath` for where it lives.
 * A per-run workspace is made fresh; a reuse-space one keeps what earlier runs left (the original floe wiped it).
 * Rejects only when the directory cannot be made (the runner's error, not the run's).
 */
export async function prepareWorkspace(options: PrepareWorkspaceOptions): Promise<Workspace> {
  const place = workspacePath(resolve(options.workDir), options.flow, options.runId);
  if (options.box !== undefined && !options.flow['reuse-space']) return boxedWorkspace(place, options.box);
  const path = place;
  let release = async () => {};
  if (options.flow['reuse-space']) {
    const previous = queues.get(path) ?? Promise.resolve();
    let open!: () => void;
    const mine = new Promise<void>((resolve) => {
      open = resolve;
    });
    const tail = previous.then(() => mine);
    queues.set(path, tail);
    await previous;
    release = async () => {
      open();
      if (queues.get(path) === tail) queues.delete(path);
    };
  }
  try {
    // Synchronous: two quick calls, where the thread pool may be waiting on other tasks' cgroup moves.
    mkdirSync(path, { recursive: true, mode: 0o700 });
    chmodSync(path, 0o700);
  } catch (err) {
    await release();
    throw err;
  }
  return { path, release };
}

/**
 * A per-run workspace made in `box` (see PrepareWorkspaceOptions.box). `<box>.workspace` names its place while it is
 * in the box — written by the runner, outside every sandbox — so that a runner restarting after a crash puts it
 * back (putBoxedWorkspacesBack) and never takes for a workspace what a task made in the box.
 */
function boxedWorkspace(place: string, box: string): Workspace {
  const path = join(box, basename(place));
  const marker = `${box}.workspace`;
  writeFileSync(marker, place);
  try {
    renameSync(place, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(path, { mode: 0o700 });
  }
  chmodSync(path, 0o700);
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    mkdirSync(join(place, '..'), { recursive: true, mode: 0o700 });
    try {
      renameSync(path, place);
      rmSync(marker, { force: true });
    } catch {
      // Its place is taken (the run held twice here at once, by two epochs): this copy goes with the box.
    }
  };
  return { path, release };
}

/**
 * Puts the workspaces a runner's previous life left in the boxes under `boxes` (it crashed during their runs) back
 * at their places, as their runs' ends would have. A place already taken, or outside `workDir`, is left alone.
 */
export function putBoxedWorkspacesBack(boxes: string, workDir: string): void {
  let names: string[];
  try {
    names = readdirSync(boxes).filter((name) => name.endsWith('.workspace'));
  } catch {
    return;
  }
  const runs = join(resolve(workDir), 'runs');
  for (const name of names) {
    const box = join(boxes, name.slice(0, -'.workspace'.length));
    try {
      const place = readFileSync(join(boxes, name), 'utf8');
      if (resolve(place) !== place || !place.startsWith(`${runs}/`) || place.slice(runs.length + 1).includes('/'))
        continue;
      mkdirSync(runs, { recursive: true, mode: 0o700 });
      renameSync(join(box, basename(place)), place);
    } catch {
      // Gone, or its place is taken: nothing to put back.
    }
  }
}
