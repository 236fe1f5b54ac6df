import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { processName, processStartTicks } from './process-table.js';
import { readProcFile } from './read-proc-file.js';

/**
 * A cgroup (v2) holding one task's processes: a process cannot leave it by `setsid`, by clearing its environment or by
 * daemonising, only by a write to another cgroup.procs, which tasks are not given. The task's first process is moved in
 * once it is spawned, so what it starts from then on is born inside. After the task, whatever is left in it is killed
 * (DESIGN §5 "No process of a run survives its end"). The CI runners we compared floe with leave such processes to the
 * machine's own supervisor, or to nobody.
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

/** Where this process makes task cgroups (`<its own cgroup>/floe/life-…`, see findParent); null when it may not. */
let parent: string | null | undefined;

/** Whether this machine lets the runner put each task in a cgroup of its own (see createTaskCgroup). */
export function canContainTasks(): boolean {
  if (parent === undefined) parent = findParent() ?? null;
  return parent !== null;
}

/** Who owns this process's life: `local` (floe run, tests), or a runner's work dir (runner-daemon.ts). */
let owner = 'local';

/**
 * Names the owner of this process's life: the lives a runner's earlier processes left (killed with SIGKILL,
 * crashed) are the ones it ends at its start. Only before the first task cgroup: a process has one life (a test
 * starting several daemons in one process keeps the first name).
 */
export function setCgroupOwner(name: string): void {
  if (parent === undefined) owner = name.replace(/[^a-z0-9]/gi, '').toLowerCase() || 'local';
}

/** This process's life (the cgroup its task cgroups are made in); undefined where there are none. */
export function cgroupLife(): string | undefined {
  return canContainTasks() ? (parent ?? undefined) : undefined;
}

/**
 * Ends the lives of gone processes of this process's owner: kills what their task cgroups still hold (a task that
 * outlived its runner) and removes them; the lives of other owners only lose their empty cgroups (their owner's
 * next start kills what is in them). Returns what it killed; a no-op where there are no task cgroups.
 */
export async function endDeadCgroupLives(): Promise<{ pid: number; name: string }[]> {
  const life = cgroupLife();
  return life ? endDeadLives(dirname(life)) : [];
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
    const text = readProcFile(join(dir, 'cgroup.procs')) ?? '';
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
      for (const pid of await pids()) signalKill(pid);
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
 * The cgroups of this process's life live in `<root>/life-<owner>-<pid>-<start ticks>`: a life's process is alive
 * exactly while one with that pid and start time is (pids are reused, start times make them unique).
 */
async function endDeadLives(root: string): Promise<{ pid: number; name: string }[]> {
  const killed: { pid: number; name: string }[] = [];
  let entries: string[];
  try {
    entries = readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return killed;
  }
  for (const name of entries) {
    const dir = join(root, name);
    const life = /^life-([a-z0-9]+)-(\d+)-(\d+)$/.exec(name);
    if (life && processStartTicks(Number(life[2])) === Number(life[3])) continue;
    if (life?.[1] === owner) {
      const procs = procsUnder(dir);
      for (const pid of procs) killed.push({ pid, name: processName(pid) ?? '?' });
      try {
        // cgroup.kill on the life reaches every task cgroup inside it.
        writeFileSync(join(dir, 'cgroup.kill'), '1');
      } catch {
        // Before kernel 5.14: one by one.
        for (const pid of procs) signalKill(pid);
      }
      // A cgroup can be removed once its killed processes have exited (SIGKILL is delivered asynchronously).
      for (const until = Date.now() + 2_000; procs.length > 0 && populated(dir) && Date.now() < until; ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    // Another owner's life, or a task cgroup of a runner from before lives: only what is empty goes.
    removeTree(dir);
  }
  return killed;
}

/** Whether processes are left in a cgroup or below it (true when it cannot tell). */
function populated(dir: string): boolean {
  try {
    return !/^populated 0$/m.test(readFileSync(join(dir, 'cgroup.events'), 'latin1'));
  } catch {
    return true;
  }
}

/** The processes in a cgroup and the ones below it. */
function procsUnder(dir: string): number[] {
  try {
    const own = readFileSync(join(dir, 'cgroup.procs'), 'latin1').split('\n').filter(Boolean).map(Number);
    const below = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((entry) => procsUnder(join(dir, entry.name)));
    return [...own, ...below];
  } catch {
    return [];
  }
}

function signalKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

/** Removes a cgroup and the ones below it, deepest first; one still holding a process (dying) stays for next time. */
function removeTree(dir: string): void {
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true }))
      if (entry.isDirectory()) removeTree(join(dir, entry.name));
    rmdirSync(dir);
  } catch {
    // Busy (its killed processes have not exited yet) or gone: the next start tries again.
  }
}

/**
 * `<this process's cgroup>/floe/life-<pid>-<start ticks>`, made if needed; undefined when it cannot be made. Only
 * the unified (v2) hierarchy is used: it is mounted at /sys/fs/cgroup on current systems and at
 * /sys/fs/cgroup/unified on hybrid ones. Several runners on one machine each have their own life below `floe`.
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
  const floe = join(point, root === '/' ? own : own.slice(root.length), 'floe');
  const dir = join(floe, `life-${owner}-${process.pid}-${processStartTicks(process.pid) ?? 0}`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    return undefined;
  }
  return dir;
}
