import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A cgroup (v2) holding one task's processes: a process cannot leave it by `setsid`, by clearing its
 * environment or by daemonising, only by a write to another cgroup.procs, which tasks are not given. The task's
 * first process is moved in right after it is spawned, so what it starts from then on is born inside. After the
 * task, whatever is left in it is killed (DESIGN §5 "No process of a run survives its end"; runner-anchors
 * "cgroup containment", a gap of every runner we compare with).
 *
 * What the first process starts before the move (the spawn returns some hundred microseconds after the exec)
 * stays outside: the process group and the sweep of /proc by environment marks still find it. Forking the
 * child inside instead (the runner stepping into the cgroup for the spawn and back) closed that window but
 * cost ~1.5 ms a task, the migration of every thread of the runner twice.
 */
export interface TaskCgroup {
  /** Moves a process in; false when the kernel refused (the process is gone, or not ours to move). */
  add(pid: number): boolean;
  /** The processes inside, now. */
  pids(): number[];
  /** SIGKILLs every process inside (cgroup.kill, or one by one on kernels before 5.14). */
  killAll(): void;
  /** Removes the cgroup once it is empty; false while processes are still inside (retry later). */
  remove(): boolean;
}

/** Where this process makes task cgroups (`<its own cgroup>/floe`); null when it may not. */
let parent: string | null | undefined;

/** Whether this machine lets the runner put each task in a cgroup of its own (see createTaskCgroup). */
export function canContainTasks(): boolean {
  if (parent === undefined) parent = findParent() ?? null;
  return parent !== null;
}

/**
 * A new cgroup for one task, or undefined when this machine does not let the runner make one (no cgroup v2,
 * mounted read-only as in most containers, not delegated to the runner's user): the process group and the
 * sweep of /proc then do the job alone.
 */
export function createTaskCgroup(name: string): TaskCgroup | undefined {
  if (!canContainTasks() || !parent) return undefined;
  const dir = join(parent, name);
  try {
    mkdirSync(dir);
  } catch {
    return undefined;
  }
  return {
    add(pid) {
      try {
        writeFileSync(join(dir, 'cgroup.procs'), String(pid));
        return true;
      } catch {
        return false;
      }
    },
    pids: () => readPids(dir),
    killAll() {
      const kill = join(dir, 'cgroup.kill');
      if (existsSync(kill)) {
        try {
          writeFileSync(kill, '1');
          return;
        } catch {
          // Fall through to one by one.
        }
      }
      for (const pid of readPids(dir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
    },
    remove() {
      try {
        rmdirSync(dir);
        return true;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'ENOENT';
      }
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

function readPids(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'latin1').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

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
