import { randomUUID } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { putBoxedWorkspacesBack } from '../workspace/prepare-workspace.js';
import { removeSandboxDir } from './remove-sandbox-dir.js';
import type { RunSandbox, TaskSandbox } from './task-sandbox.js';
import { adoptSpareShell, dropSpareShell, startSpareShell } from './warm-shell.js';

/**
 * Sandboxes prepared before their run, so that a run's first shell task is written to a bash already running in
 * its sandbox instead of waiting, after the offer, for bwrap to make the namespaces and mounts, for setpriv and
 * for the cgroup moves (most of what a sandboxed dispatch cost the runner: README.md "Performance").
 *
 * A run sandbox binds the run's workspace, home and tmp, whose paths hold the run's id; a spare cannot. So a spare
 * binds a box instead: a directory `<workDir>/boxes/<id>`, empty and the runner's, bound writable at its own path,
 * and `<box>.tmp` as its `/tmp`. The run that takes it makes its workspace and home in the box
 * (prepare-workspace.ts), which its sandbox sees at once; its workspace goes to its place under `runs/` when it
 * ends. Containment is the run sandbox's (task-sandbox.ts): a box and its tmp serve one run and are removed with
 * it, never reused, so nothing of an earlier run (files, a tmp, a process: a spare's pid namespace ends with its
 * shell) is there; a box holds nothing of another run's, and the rest of the work dir stays hidden.
 *
 * A spare is of a kind: its network is set when bwrap starts, and its shell's environment — which the task can
 * read in /proc — is a trusted run's (the runner's) or an untrusted one's (its basics), so a spare only ever
 * serves a run of its kind. One is kept for each kind of run this runner has taken, prepared again once the
 * taken one's shell has exited (its task ended: not while the task starts beside it on a busy machine), or once a
 * run that found none has ended.
 */

/** What a spare must match to serve a run. */
export interface SpareKind {
  trusted: boolean;
  network: boolean;
}

/** A spare taken by a run. */
export interface Spare {
  /** Where the run makes its workspace and home (its sandbox's `box`). */
  box: string;
  /** The run's `/tmp`, already the task user's. */
  tmp: string;
  /** Gives the spare's shell to `run`, the run's sandbox (with this box); false when the shell died waiting. */
  adopt(run: RunSandbox): boolean;
  /** Once the run has ended (its shells gone, its workspace moved out): removes the box and its tmp. */
  release(): Promise<void>;
}

export interface SpareSandboxesOptions {
  sandbox: TaskSandbox;
  workDir: string;
  /** The environment a run of `kind` starts its shells with, its home aside (HOME is `home` until a task sets it). */
  shellEnv: (kind: SpareKind, home: string) => Record<string, string>;
}

export class SpareSandboxes {
  private readonly boxes: string;
  /** By kind (keyOf): the spare waiting. */
  private readonly ready = new Map<string, RunSandbox>();
  /** The kinds of run taken so far. */
  private readonly wanted = new Map<string, SpareKind>();
  private closed = false;

  /** Clears what a previous life left in `<workDir>/boxes` (the workspaces of its runs go to their places). */
  constructor(private readonly options: SpareSandboxesOptions) {
    this.boxes = join(resolve(options.workDir), 'boxes');
    putBoxedWorkspacesBack(this.boxes, options.workDir);
    removeSandboxDir(this.boxes);
    mkdirSync(this.boxes, { recursive: true, mode: 0o700 });
  }

  /** The spare of `kind`, if one is waiting; from now on one of its kind is kept (see refill). */
  take(kind: SpareKind): Spare | undefined {
    const key = keyOf(kind);
    this.wanted.set(key, kind);
    const box = this.ready.get(key);
    if (!box?.box) return undefined;
    this.ready.delete(key);
    const dir = box.box;
    let released = false;
    return {
      box: dir,
      tmp: box.tmp,
      adopt: (run) => {
        const exited = adoptSpareShell(box, run);
        void exited?.then(() => this.refill());
        return exited !== undefined;
      },
      release: async () => {
        if (released) return;
        released = true;
        await dropSpareShell(box);
        removeSandboxDir(dir);
        removeSandboxDir(box.tmp);
      },
    };
  }

  /**
   * Prepares a spare of each kind taken that has none: called when a run ends (as a run that found none ends) and
   * when a taken spare's shell exits. Soon, not in the middle of what called.
   */
  refill(): Promise<void> {
    return new Promise((done) =>
      setImmediate(() => {
        for (const [key, kind] of this.wanted) if (!this.closed && !this.ready.has(key)) this.prepare(key, kind);
        done();
      }),
    );
  }

  /** Stops the spares waiting and removes their boxes; takes none after. */
  async close(): Promise<void> {
    this.closed = true;
    const waiting = [...this.ready.values()];
    this.ready.clear();
    await Promise.all(waiting.map((box) => dropSpareShell(box)));
    for (const box of waiting) {
      // On the runner's way out, and it must get out: what cannot be removed now (a sandbox's init still leaving
      // its mounts on a busy machine) the next life clears with the rest of boxes/ (the constructor).
      try {
        removeSandboxDir(box.box as string);
        removeSandboxDir(box.tmp);
      } catch {}
    }
  }

  private prepare(key: string, kind: SpareKind): void {
    const dir = join(this.boxes, randomUUID());
    const tmp = `${dir}.tmp`;
    const { sandbox } = this.options;
    try {
      // The box: the runner's, 0755 so the task user can reach what the run makes in it, and write nothing else.
      mkdirSync(dir, { mode: 0o755 });
      chmodSync(dir, 0o755);
      mkdirSync(tmp, { mode: 0o700 });
      if (sandbox.user) chownSync(tmp, sandbox.user.uid, sandbox.user.gid);
    } catch {
      removeSandboxDir(dir);
      removeSandboxDir(tmp);
      return;
    }
    const box: RunSandbox = {
      sandbox,
      box: dir,
      workspace: dir,
      home: dir,
      tmp,
      network: kind.network,
      shellEnv: this.options.shellEnv(kind, dir),
      warmShells: 1,
    };
    if (!startSpareShell(box)) {
      removeSandboxDir(dir);
      removeSandboxDir(tmp);
      return;
    }
    this.ready.set(key, box);
  }
}

function keyOf(kind: SpareKind): string {
  return `${kind.trusted ? 'trusted' : 'untrusted'}/${kind.network ? 'network' : 'none'}`;
}
