import { chmodSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { workspacePath } from './workspace-path.js';

export interface PrepareWorkspaceOptions {
  /** The runner's work directory (made absolute). */
  workDir: string;
  flow: { id: string; 'reuse-space'?: boolean };
  runId: string;
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
  const path = workspacePath(resolve(options.workDir), options.flow, options.runId);
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
