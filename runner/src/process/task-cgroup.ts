import { mkdirSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A cgroup (v2) holding one task's processes: a process cannot leave it by `setsid`, by clearing its
 * environment or by daemonising, only by a write to another cgroup.procs, which tasks are not given. The task's
 * first process is moved in once it is spawned, so what it starts from then on is born inside. After the task,
 * whatever is left in it is killed (DESIGN §5 "No process of a run survives its end"; runner-anchors "cgroup
 * containment", a gap of every runner we compare with).
 *
 * A move into a cgroup holds the kernel's cgroup lock for an RCU grace period (5–25 ms measured here) unless
 * moves are frequent, and making, reading or removing a cgroup waits for that lock. Done on the event loop,
 * that stalled the runner at every task start and end, so every cgroup operation here goes through libuv's
 * thread pool. What the first process starts before the move lands stays outside: the process group and the
 * sweep of /proc by environment marks still find it. (Forking the child inside, the runner stepping into the
 * cgroup for the spawn and back, would close that window, at the price of two such waits before each spawn.)
 */
export interface TaskCgroup {
  /** Moves a process in; false when it could not (the cgroup could not be made, the process is gone, …). */
  add(pid: number): Promise<boolean>;
  /** The processes inside, now. */
  pids(): Promise<number[]>;
  /** SIGKILLs every process inside (cgroup.kill, or one by one on kernels before 5.14). */
  killAll(): Promise<void>;
  /** Removes the cgroup; false while processes are still inside. */
  remove(): Promise<boolean>;
}

/** Where this process makes task cgroups (`<its own cgroup>/floe`); null when it may not. */
let parent: string | null | undefined;

/** Whether this machine lets the runner put each task in a cgroup of its own (see createTaskCgroup). */
export function canContainTasks(): boolean {
  if (parent === undefined) parent = findParent() ?? null;
  return parent !== null;
}

/**
 * A new cgroup for one task (made in the background), or undefined when this machine does not let the runner
 * make them (no cgroup v2, mounted read-only as in most containers, not delegated to the runner's user): the
 * process group and the sweep of /proc then do the job alone.
 */
export function createTaskCgroup(name: string): TaskCgroup | undefined {
  if (!canContainTasks() || !parent) return undefined;
  const dir = join(parent, name);
  const made = mkdir(dir).then(
    () => true,
    () => false,
  );
  const pids = async () => {
    if (!(await made)) return [];
    const text = await readFile(join(dir, 'cgroup.procs'), 'latin1').catch(() => '');
    return text.split('\n').filter(Boolean).map(Number);
  };
  return {
    add: async (pid) =>
      (await made) &&
      writeFile(join(dir, 'cgroup.procs'), String(pid)).then(
        () => true,
        () => false,
      ),
    pids,
    async killAll() {
      if (!(await made)) return;
      // ENOENT before kernel 5.14: then one by one.
      const killed = await writeFile(join(dir, 'cgroup.kill'), '1').then(
        () => true,
        () => false,
      );
      if (killed) return;
      for (const pid of await pids()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
    },
    async remove() {
      if (!(await made)) return true;
      return rmdir(dir).then(
        () => true,
        (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
      );
    },
  };
}

/**
 * Removes the empty task cgroups that a killed runner (or `floe run`) left; only ones made over a minute ago,
 * since another runner on this machine may just have made one and not yet spawned into it. Rmdir refuses
 * a cgroup that still holds processes.
 */
function removeLeftovers(parent: string): void {
  try {
    for (const entry of readdirSync(parent, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = join(parent, entry.name);
      if (Date.now() - statSync(dir).ctimeMs < LEFTOVER_AGE_MS) continue;
      try {
        rmdirSync(dir);
      } catch {
        // Not empty: its processes are killed by whoever owns them (kill-leftovers.ts on a runner's restart).
      }
    }
  } catch {
    // Nothing to tidy.
  }
}

const LEFTOVER_AGE_MS = 60_000;

/**
 * `<this process's cgroup>/floe`, made if needed; undefined when it cannot be made. Only the
 * unified (v2) hierarchy is used: it is mounted at /sys/fs/cgroup on current systems and at
 * /sys/fs/cgroup/unified on hybrid ones. Task cgroups are named by execution, so several runners can share it.
 */
function findParent(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  let mountinfo: string;
  let own: string | undefined;
  try {
    mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
    own = /^0::(\/.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
  if (own === undefined) return undefined;
  // "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw": fields 4 and 5 are the root of the
  // hierarchy that is mounted and where.
  const mount = mountinfo
    .split('\n')
    .map((line) => line.split(' '))
    .find((fields) => fields[fields.indexOf('-') + 1] === 'cgroup2');
  const [root, point] = [mount?.[3], mount?.[4]];
  if (root === undefined || point === undefined) return undefined;
  if (root !== '/' && !own.startsWith(root)) return undefined;
  const dir = join(point, root === '/' ? own : own.slice(root.length), 'floe');
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    return undefined;
  }
  removeLeftovers(dir);
  return dir;
}
