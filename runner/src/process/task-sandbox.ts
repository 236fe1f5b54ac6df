import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { z } from '@floe/shared';

/**
 * The task sandbox (DESIGN §9, docs/security.md "The runner sandbox"): every task process runs
 * inside bubblewrap (`bwrap`) with its own pid, mount, IPC and UTS namespaces, the machine read-only, `/proc` of its
 * own pid namespace, a fresh `/dev`, and only its run's workspace, home and temporary directory writable. The
 * runner's work dir (credential, spool, other runs' workspaces) is covered by an empty tmpfs, as is the runner
 * user's home. Without network unless the run may have it (`--unshare-net`).
 *
 * A sandbox alone is not enough: a task whose uid on the host stays 0 still reads root-only files (/etc/shadow)
 * whatever namespaces it has. So a runner started as root runs bwrap as root (it makes the namespaces without a
 * user namespace) and bwrap starts `setpriv`, which becomes the task user (`--task-user`, default `floe-task`)
 * with no capabilities, no supplementary groups and an empty bounding set before it executes the task. A runner
 * started as another user runs bwrap unprivileged (it then needs unprivileged user namespaces), and its tasks keep
 * its uid — hidden from it all the same, since its work dir and home are not in their view.
 *
 * bwrap waits on `--block-fd` until the runner has moved it and its first child into the task's cgroup
 * (task-cgroup.ts), so nothing of the task runs outside it; `--json-status-fd` names that child (and later its exit code). No `--new-session`
 * (tasks have no terminal to inject into, and the kill ladder signals the process group the task shares with
 * bwrap) and no `--die-with-parent` (a runner killed with -9 ends its tasks at its next start, as without a
 * sandbox: DESIGN §8 "Runner restarts"). When the task's first process exits, bwrap's init exits and the kernel
 * kills whatever is left in its pid namespace.
 */

/** `--sandbox-bind PATH[:ro]`: a path of the machine made reachable to every task (writable unless `:ro`). */
export const SandboxBindSchema = z.object({ path: z.string(), readOnly: z.boolean() });
export type SandboxBind = z.infer<typeof SandboxBindSchema>;

/** How a runner sandboxes its tasks, once probed at start (probeTaskSandbox). */
export const TaskSandboxSchema = z.object({
  bwrap: z.string(),
  /** The user tasks run as (root runners only); undefined: the runner's own user, in a user namespace. */
  user: z.object({ name: z.string(), uid: z.number().int(), gid: z.number().int() }).optional(),
  /** Directories of the machine replaced by an empty tmpfs in every sandbox (the work dir, the runner's home). */
  hide: z.array(z.string()),
  binds: z.array(SandboxBindSchema),
});
export type TaskSandbox = z.infer<typeof TaskSandboxSchema>;

/** One run's sandbox: the runner's, with the run's writable directories and whether it has network. */
export interface RunSandbox {
  sandbox: TaskSandbox;
  workspace: string;
  home: string;
  tmp: string;
  network: boolean;
  /** The environment the run's warm shells start with (its tasks' base: warm-shell.ts). */
  shellEnv: Record<string, string>;
  /** How many warm shells the run's sandbox keeps (warm-shell.ts); default 2. A run of one shell task needs one. */
  warmShells?: number;
  /**
   * A directory bound (writable, at its own path) instead of the workspace and the home, which are made in it: the
   * box of a sandbox prepared before its run (spare-sandboxes.ts), whose run was not known when bwrap started.
   */
  box?: string;
}

/**
 * Parses `PATH[:ro]` (several separated by commas in FLOE_RUNNER_SANDBOX_BIND); a relative path or one holding
 * `..` is refused by the caller's schema.
 */
export function parseSandboxBind(text: string): SandboxBind {
  return text.endsWith(':ro') ? { path: text.slice(0, -3), readOnly: true } : { path: text, readOnly: false };
}

export type SandboxProbe = { ok: true; sandbox: TaskSandbox } | { ok: false; reason: string };

/**
 * Whether this machine lets the runner sandbox its tasks, and how: bwrap on PATH (or at `bwrap`), the task user
 * known when running as root, and a trial sandbox that starts. Synchronous (once, at start). Never throws: a
 * machine that cannot answers why.
 */
export function probeTaskSandbox(options: {
  workDir: string;
  taskUser: string;
  binds: SandboxBind[];
  /** The PATH tasks get: its directories under a hidden one (a tool in ~/.local/bin) stay readable. */
  path: string;
  bwrap?: string;
}): SandboxProbe {
  if (process.platform !== 'linux') return { ok: false, reason: 'task sandboxes need Linux (bubblewrap)' };
  const bwrap = options.bwrap ?? findOnPath('bwrap');
  if (!bwrap) return { ok: false, reason: 'bubblewrap (bwrap) is not installed; apt-get install bubblewrap' };
  let user: TaskSandbox['user'];
  if (process.getuid?.() === 0) {
    const found = lookUpUser(options.taskUser);
    if (!found)
      return {
        ok: false,
        reason: `there is no task user ${options.taskUser}; floe runner install makes it (or choose one with --task-user)`,
      };
    if (found.uid === 0) return { ok: false, reason: `the task user ${options.taskUser} is root` };
    if (!findOnPath('setpriv')) return { ok: false, reason: 'setpriv (util-linux) is not installed' };
    // The runner gives the workspace to the task user with chown -R after a checkout: were a task able to link a
    // file it does not own into it (fs.protected_hardlinks=0), that would give the file away.
    if (readSysctl('/proc/sys/fs/protected_hardlinks') !== '1')
      return { ok: false, reason: 'fs.protected_hardlinks is off (sysctl fs.protected_hardlinks=1)' };
    user = { name: options.taskUser, ...found };
  }
  for (const bind of options.binds) {
    try {
      statSync(bind.path);
    } catch {
      return { ok: false, reason: `--sandbox-bind ${bind.path}: no such file or directory` };
    }
  }
  try {
    // What the sandboxes cover must exist (the runner makes it anyway; `floe run` only later).
    mkdirSync(options.workDir, { recursive: true });
  } catch (err) {
    return { ok: false, reason: `cannot make the work dir ${options.workDir}: ${(err as Error).message}` };
  }
  const hide = hiddenDirs(options.workDir);
  const workDir = resolve(options.workDir);
  const tools = options.path
    .split(':')
    .filter((dir) => dir.startsWith('/') && !inside(dir, workDir) && shadowed(hide).some((top) => inside(dir, top)))
    .filter((dir) => existsSync(dir))
    .map((dir) => ({ path: resolve(dir), readOnly: true }));
  const sandbox: TaskSandbox = { bwrap, user, hide, binds: [...tools, ...options.binds] };
  const trial = sandboxArgv(
    { sandbox, workspace: '/', home: '/', tmp: '/tmp', network: false, shellEnv: {} },
    ['true'],
    { statusFd: undefined, blockFd: undefined, skipWritable: true },
  );
  const result = spawnSync(trial[0] as string, trial.slice(1), {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 10_000,
  });
  if (result.status !== 0) {
    const said = result.stderr?.toString().trim().split('\n').at(-1) ?? result.error?.message ?? 'failed';
    return { ok: false, reason: `bubblewrap cannot make a sandbox here (${said})` };
  }
  return { ok: true, sandbox };
}

/**
 * The command line that runs `command` in the run's sandbox. `statusFd` and `blockFd` are the descriptors bwrap
 * writes its child's pid to and waits on before it starts the command (see the module comment).
 */
export function sandboxArgv(
  run: RunSandbox,
  command: string[],
  fds: { statusFd: number | undefined; blockFd: number | undefined; skipWritable?: boolean },
): string[] {
  const { sandbox } = run;
  const args = [sandbox.bwrap, '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/dev/shm'];
  args.push('--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try');
  if (!run.network) args.push('--unshare-net');
  if (!fds.skipWritable) args.push('--bind', run.tmp, '/tmp');
  // The work dir and the runner's home: empty. Paths that contain another are covered once, outermost first.
  for (const dir of sandbox.hide) args.push('--tmpfs', dir);
  const writable = run.box === undefined ? [run.workspace, run.home] : [run.box];
  const binds = [...(fds.skipWritable ? [] : writable.map((path) => ({ path, readOnly: false }))), ...sandbox.binds];
  for (const bind of binds) {
    // bwrap makes the directories leading to a mount point inside a hidden one mode 0700, root's: the task user
    // must be able to pass through them (they hold nothing else).
    for (const dir of between(shadowed(sandbox.hide), bind.path)) args.push('--perms', '0755', '--dir', dir);
    args.push(bind.readOnly ? '--ro-bind' : '--bind', bind.path, bind.path);
  }
  if (fds.statusFd !== undefined) args.push('--json-status-fd', String(fds.statusFd));
  if (fds.blockFd !== undefined) args.push('--block-fd', String(fds.blockFd));
  if (sandbox.user) {
    // bwrap as root drops every capability unless told; setpriv needs these two to become the task user, then
    // drops them with everything else. no_new_privs (bwrap sets it) keeps setuid programs from giving them back.
    args.push('--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--');
    args.push('setpriv', `--reuid=${sandbox.user.uid}`, `--regid=${sandbox.user.gid}`, '--clear-groups');
    args.push('--inh-caps=-all', '--bounding-set=-all', '--');
  } else args.push('--');
  return [...args, ...command];
}

/**
 * What every sandbox covers with an empty tmpfs: the runner's work dir — or, when a directory above it is closed
 * to other users (a root runner's default ~/.floe/runner under /root), that directory, as the task user could not
 * reach the workspace through it — and the runner's home. Outermost first, none inside another.
 */
export function hiddenDirs(workDir: string, home = homedir()): string[] {
  const dirs = [closedAncestor(resolve(workDir)), resolve(home)].filter((dir) => dir !== '/');
  const outer = [...new Set(dirs)].filter((dir) => !dirs.some((other) => other !== dir && dir.startsWith(`${other}/`)));
  return outer.sort((a, b) => a.length - b.length);
}

/** The outermost directory on the way to `dir` that other users cannot enter; `dir` itself when none is. */
function closedAncestor(dir: string): string {
  const chain: string[] = [];
  for (let at = dir; ; at = dirname(at)) {
    chain.unshift(at);
    if (at === '/') break;
  }
  for (const at of chain.slice(1)) {
    try {
      if ((statSync(at).mode & 0o001) === 0) return at;
    } catch {
      return dir;
    }
  }
  return dir;
}

/** What the sandbox covers: the hidden directories, and /tmp (the run's own). */
function shadowed(hide: string[]): string[] {
  return [...hide, '/tmp'];
}

/** The directories strictly between the hidden directory holding `path` and `path`, outermost first. */
function between(hide: string[], path: string): string[] {
  const holder = hide.filter((dir) => path.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length)[0];
  if (!holder) return [];
  const dirs: string[] = [];
  for (let at = dirname(path); at !== holder && at.startsWith(`${holder}/`); at = dirname(at)) dirs.unshift(at);
  return dirs;
}

function readSysctl(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1').trim();
  } catch {
    return undefined;
  }
}

function inside(path: string, dir: string): boolean {
  const full = resolve(path);
  return full === dir || full.startsWith(`${dir}/`);
}

function findOnPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const path = `${dir || '.'}/${program}`;
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Next.
    }
  }
  return undefined;
}

/** The uid and gid of a user of this machine (getent: files, LDAP, …); undefined when there is none. */
export function lookUpUser(name: string): { uid: number; gid: number } | undefined {
  if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(name)) return undefined;
  const result = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  const fields = result.status === 0 ? result.stdout.trim().split(':') : [];
  const [uid, gid] = [Number(fields[2]), Number(fields[3])];
  return Number.isInteger(uid) && Number.isInteger(gid) && fields.length >= 4 ? { uid, gid } : undefined;
}
