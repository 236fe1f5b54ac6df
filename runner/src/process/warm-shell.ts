import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { countSpawn, type ForkMark, forkMark } from './fork-count.js';
import { spawnSandboxed } from './spawn-sandboxed.js';
import { createTaskCgroup, type TaskCgroup } from './task-cgroup.js';
import type { RunSandbox } from './task-sandbox.js';

/**
 * Shell tasks run as `bash -eo pipefail -c SCRIPT`. Starting bash is most of what a short shell task costs (on
 * the 2-core VMs here: the runner's fork plus bash's exec and start-up, ~7 of the 14 ms from taking a task to
 * its first command), so each process that runs tasks keeps bash processes started in advance, each already in
 * its own task cgroup, blocked reading its fd 3 (see LAUNCHER). A task takes one, writes it what differs from
 * the environment it was started with, the working directory and the script, and the warm bash evaluates the
 * script exactly where a cold one would run it: same `$0`, options, variables, pid and process group (a test
 * compares the two states). What it cannot reproduce makes the task start cold (`warmPayload` returns
 * undefined): a change to a variable bash reads only when it starts (BASH_ENV, SHELLOPTS, SHLVL, …), a removed
 * variable, or a name bash cannot export. The one difference left: a syntax error is reported as
 * `bash: eval: line N` instead of `bash: -c: line N`.
 *
 * A warm bash holds no task data until it is taken; it exits by itself when its runner does (fd 3 reaches end
 * of file), and never keeps the runner's event loop alive.
 */
/** A task's first process, started warm (here) or cold (run-process.ts). */
export interface TaskProcess {
  child: ChildProcess;
  /** The id of its execution: its cgroup's name and the FLOE_EXEC_ID mark. */
  execId: string;
  cgroup: TaskCgroup | undefined;
  exited: Promise<ProcessExit>;
  /** Taken just before the spawn: processes born since are what the sweep of escapees reads. */
  born: ForkMark;
  /** In a sandbox: whether bwrap set it up (spawn-sandboxed.ts). */
  sandboxStarted?: Promise<boolean>;
  /** In a sandbox: the processes of its group outside the sandbox, once known (spawn-sandboxed.ts). */
  groupMembers?: () => number[] | undefined;
}

export type ProcessExit = { code: number | null; signal: NodeJS.Signals | null } | { error: Error };

/** How `child` ended; listening from the spawn on, so that a failure to start ('error') is never unhandled. */
export function exitOf(child: ChildProcess): Promise<ProcessExit> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ error }));
  });
}

/** The flags of every shell task; the warm path sets the same with `set`. */
export const BASH_FLAGS = ['-eo', 'pipefail'];

/**
 * What a warm bash runs: it reads its task from fd 3 as a header line with three byte counts, then the three fields
 * themselves — the exports, the working directory, the script — each with `read -N COUNT`, under `LC_ALL=C` so that
 * a count is of bytes whatever the task's locale (in a UTF-8 locale `read -N` counts characters, and a multibyte
 * value would take bytes of the next field). A field can hold anything then: no byte of it ends it or starts
 * another, which a NUL-separated framing could not promise (a NUL in a form value once split the fields, and its
 * text ran as the script). `read -N` on a socket reads the whole count with a few read(2) calls, where
 * `read -d ''` took one a byte; no process of its own: a `cat` forked in advance cost each task a process, a
 * quarter of the runs per second of a busy machine. A field shorter than its count (the runner died while
 * writing: `read` fails at end of file) exits without running anything. Then it does what a cold `bash -c` does at
 * start-up (OLDPWD: kept only when it names a directory) and evaluates the script. One line: bash numbers the lines
 * of an `eval` from the line it is on, and a script's errors must name its own lines.
 */
const LAUNCHER = [
  '_floe_old=$OLDPWD',
  'LC_ALL=C IFS=" " read -r -u 3 _floe_n1 _floe_n2 _floe_n3 || exit 0',
  'LC_ALL=C IFS= read -r -N "$_floe_n1" -u 3 _floe_env || exit 0',
  'LC_ALL=C IFS= read -r -N "$_floe_n2" -u 3 _floe_cwd || exit 0',
  'LC_ALL=C IFS= read -r -N "$_floe_n3" -u 3 _floe_script || exit 0',
  'exec 3<&-',
  'unset -v _floe_n1 _floe_n2 _floe_n3',
  'eval "$_floe_env"',
  'cd -P -- "$_floe_cwd" || exit',
  'OLDPWD=$_floe_old',
  '[[ -n $OLDPWD && -d $OLDPWD ]] || { unset -v OLDPWD; declare -x OLDPWD; }',
  'unset -v _floe_old _floe_env _floe_cwd',
  // Counted from the task's start, not the warm shell's; what `bash -c` would show as its command string.
  'SECONDS=0',
  'BASH_EXECUTION_STRING=$_floe_script',
  `set ${BASH_FLAGS.join(' ')}`,
  'eval "unset -v _floe_script; $_floe_script"',
].join('; ');

/** Variables bash reads only at start-up, or sets itself: a task that changes one starts cold. */
const STARTUP_ONLY =
  /^(BASH\w*|ENV|SHELLOPTS|POSIXLY_CORRECT|SHLVL|PWD|OLDPWD|IFS|UID|EUID|PPID|GROUPS|RANDOM|SRANDOM|SECONDS|LINENO|HISTCMD|FUNCNAME|DIRSTACK|EPOCHREALTIME|EPOCHSECONDS|COMP_WORDBREAKS|HOSTNAME|HOSTTYPE|MACHTYPE|OSTYPE|SHELL|TERM|PS[1-4]|OPTIND|OPTERR|MAILCHECK|COLUMNS|LINES|TMOUT)$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Pool {
  size: number;
  /** The environment warm shells start with (the runner's task base); undefined: this process's own. */
  env: Record<string, string> | undefined;
  /** Started, oldest first (one can be taken at once: what it is sent waits in its socket). */
  shells: { shell: TaskProcess; env: Record<string, string>; taken: boolean }[];
  /** Set when bash cannot be started at all: every shell task then starts cold (and fails to start as it did). */
  broken: boolean;
  /** The run sandbox its shells start in (task-sandbox.ts); undefined: none. */
  sandbox?: RunSandbox;
}

const pool: Pool = {
  size: 1,
  env: undefined,
  shells: [],
  broken: process.platform === 'win32',
};

/**
 * Sandboxed warm shells, one pool of one per run sandbox: a sandbox is made for one run's workspace, so its shells
 * cannot serve another run. A run's first shell is started as soon as its workspace is ready (warmSandbox), the next
 * once a task has taken it. At most as many pools as the plain pool's size are kept; the least recently used goes.
 */
const sandboxPools = new Map<RunSandbox, Pool>();
let sandboxPoolLimit = 1;
/**
 * Shells kept in each run's sandbox. A sandboxed shell takes longer to start than a plain bash (bwrap makes its
 * namespaces and mounts, setpriv, two cgroup moves: tens of ms on a busy machine against a few), so a pool of one
 * refilled when its task ends was still starting when the next task of a chain came: two, and a refill as soon as
 * one is taken (pnpm bench sandbox).
 */
const SANDBOX_POOL_SIZE = 2;

/**
 * How many warm shells this process keeps (default 1; the daemon keeps one per slot, up to 4) — with
 * `onlySandboxed`, none outside a sandbox and at most that many run sandboxes with one each — and the
 * environment they start with: the one most tasks will have, so that little is left to send (a warm shell's
 * /proc/PID/environ keeps it, so it must hold nothing a task may not see). Shells already started with another
 * environment are stopped.
 */
export function keepWarmShells(size: number, env?: Record<string, string>, onlySandboxed = false): void {
  sandboxPoolLimit = Math.max(0, size);
  pool.size = onlySandboxed ? 0 : Math.max(0, size);
  if (env !== undefined && env !== pool.env) {
    pool.env = env;
    for (const entry of pool.shells.splice(0)) entry.shell.child.kill('SIGKILL');
  }
  while (pool.shells.length > pool.size) pool.shells.pop()?.shell.child.kill('SIGKILL');
  if (sandboxPoolLimit === 0) for (const sandbox of [...sandboxPools.keys()]) void dropWarmShells(sandbox);
  fill(pool);
}

/**
 * Starts `script` in a warm bash as `bash -eo pipefail -c script` would run it with `env` in `cwd`, where one is
 * ready and the environment allows it (see above); undefined otherwise, and the caller spawns bash itself.
 * `envFor` is given the shell's execution id and returns the environment to give the task (the id is one of
 * its marks).
 */
export function startInWarmShell(
  script: string,
  cwd: string,
  envFor: (execId: string) => Record<string, string>,
  sandbox?: RunSandbox,
): TaskProcess | undefined {
  const pool = sandbox ? sandboxPool(sandbox) : plainPool();
  const entry = pool.shells[0];
  if (!entry) {
    setImmediate(() => fill(pool));
    return undefined;
  }
  const { shell, env: shellEnv } = entry;
  const payload = warmPayload(shellEnv, envFor(shell.execId), cwd, script);
  if (payload === undefined) return undefined;
  pool.shells.shift();
  entry.taken = true;
  // A run that needs one shell (warmShells) has had it: no refill, no bwrap started for nothing.
  if (pool.sandbox) {
    if (pool.size > 1) setImmediate(() => fill(pool));
    else pool.size = 0;
  }
  shell.child.ref();
  for (const stream of [shell.child.stdout, shell.child.stderr]) (stream as Socket | null)?.ref();
  (shell.child.stdio[3] as Socket | null)?.end(payload);
  return shell;
}

/**
 * What a warm bash started with `shellEnv` must be sent to be a cold `bash -eo pipefail -c script` started with
 * `env` in `cwd` (see LAUNCHER); undefined when that cannot be done (see the module comment).
 */
export function warmPayload(
  shellEnv: Record<string, string>,
  env: Record<string, string>,
  cwd: string,
  script: string,
): Buffer | undefined {
  const exports: string[] = [];
  for (const key of Object.keys(shellEnv)) if (!(key in env)) return undefined;
  for (const [key, value] of Object.entries(env)) {
    if (shellEnv[key] === value) continue;
    if (!IDENTIFIER.test(key) || STARTUP_ONLY.test(key)) return undefined;
    exports.push(`${key}=${quote(value)}`);
  }
  const fields = [exports.length ? `export ${exports.join(' ')}` : '', cwd, script].map((field) =>
    Buffer.from(field, 'utf8'),
  );
  // bash drops a NUL that `read` meets, so a field holding one would arrive shorter than sent and take bytes of the
  // next: runProcess refuses such a task before it gets here (a NUL cannot be in an environment or an argument
  // either); never send one.
  if (fields.some((field) => field.includes(0))) return undefined;
  return Buffer.concat([Buffer.from(`${fields.map((field) => field.length).join(' ')}\n`), ...fields]);
}

function quote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The plain pool (no sandbox). */
function plainPool(): Pool {
  return pool;
}

/** The pool of a run sandbox, made (and filled) on first use; the least recently used beyond the limit goes. */
function sandboxPool(sandbox: RunSandbox): Pool {
  const found = sandboxPools.get(sandbox);
  if (found) {
    sandboxPools.delete(sandbox);
    sandboxPools.set(sandbox, found);
    return found;
  }
  return addSandboxPool(sandbox, { size: 0, env: sandbox.shellEnv, shells: [], broken: false, sandbox });
}

/** Makes `pool` the pool of `sandbox`, sized for its run; the least recently used beyond the limit goes. */
function addSandboxPool(sandbox: RunSandbox, pool: Pool): Pool {
  pool.size = Math.max(1, Math.min(sandbox.warmShells ?? SANDBOX_POOL_SIZE, SANDBOX_POOL_SIZE));
  sandboxPools.set(sandbox, pool);
  for (const [old] of sandboxPools) {
    if (sandboxPools.size <= Math.max(sandboxPoolLimit, 1)) break;
    void dropWarmShells(old);
  }
  return pool;
}

/**
 * Warm shells started before their run, in a sandbox whose box is bound instead of the run's paths
 * (spare-sandboxes.ts): each in a pool of one of its own, outside the limit above, until a run adopts it.
 */
const sparePools = new Map<RunSandbox, Pool>();

/** Starts a warm shell in `box` (a sandbox with a `box`, made for no run yet); false when none could start. */
export function startSpareShell(box: RunSandbox): boolean {
  const spare: Pool = { size: 1, env: box.shellEnv, shells: [], broken: false, sandbox: box };
  fill(spare);
  if (spare.shells.length === 0) return false;
  sparePools.set(box, spare);
  return true;
}

/**
 * Makes the shell waiting in `box` the first warm shell of `run`, whose sandbox binds the same box (the run's
 * workspace and home are made in it): its first shell task takes it as it would one started for the run, and the
 * run's further shells start with the run's environment. Returns when the shell exits (its task ended, or the run
 * dropped it); undefined when there is none (it died waiting).
 */
export function adoptSpareShell(box: RunSandbox, run: RunSandbox): Promise<ProcessExit> | undefined {
  const spare = sparePools.get(box);
  sparePools.delete(box);
  const entry = spare?.shells[0];
  if (!spare || !entry) return undefined;
  spare.sandbox = run;
  spare.env = run.shellEnv;
  addSandboxPool(run, spare);
  return entry.shell.exited;
}

/** Stops the shell waiting in `box`, unless a run adopted it; resolves once it has exited. */
export function dropSpareShell(box: RunSandbox): Promise<void> {
  return stopPool(sparePools, box);
}

/** Starts a warm shell in a run's sandbox now, so that the run's first shell task finds one ready. */
export function warmSandbox(sandbox: RunSandbox): void {
  if (sandboxPoolLimit > 0) fill(sandboxPool(sandbox));
}

/** Stops the idle warm shells of a run's sandbox (its run has ended). */
export function dropWarmShells(sandbox: RunSandbox): Promise<void> {
  return stopPool(sandboxPools, sandbox);
}

/** Takes the pool of `sandbox` out of `pools` and stops its idle shells; resolves once they have exited. */
async function stopPool(pools: Map<RunSandbox, Pool>, sandbox: RunSandbox): Promise<void> {
  const found = pools.get(sandbox);
  if (!found) return;
  pools.delete(sandbox);
  found.size = 0;
  const dropped = found.shells.splice(0);
  for (const entry of dropped) {
    // Held until it has exited: a stopping runner awaits this, and an unref'd child would let Node end first.
    entry.shell.child.ref();
    entry.shell.child.kill('SIGKILL');
  }
  // A shell still being set up is making its mount points in the run's tmp (when the work dir is under /tmp): the
  // run's end removes that folder only once they are gone, or the removal races them (ENOTEMPTY).
  await Promise.all(dropped.map((entry) => entry.shell.exited));
}

function fill(pool: Pool): void {
  while (!pool.broken && pool.shells.length < pool.size) {
    const entry = startShell(pool);
    if (!entry) return;
    pool.shells.push(entry);
  }
}

function startShell(pool: Pool): Pool['shells'][number] | undefined {
  const execId = randomUUID();
  // The execution id is in the environment a warm shell starts with: what the shell forks without an exec (a
  // subshell) keeps that environment, and the sweep of escaped processes finds them by it (sweep-escaped.ts).
  const env = { ...(pool.env ?? (process.env as Record<string, string>)), FLOE_EXEC_ID: execId };
  const born = forkMark();
  const cgroup = createTaskCgroup(execId);
  let child: ChildProcess;
  let sandboxed: Pick<TaskProcess, 'sandboxStarted' | 'groupMembers'> = {};
  try {
    if (pool.sandbox) {
      ({ child, ...sandboxed } = spawnSandboxed(pool.sandbox, ['bash', '-c', LAUNCHER], {
        cwd: '/',
        env,
        cgroup,
        payload: true,
      }));
    } else {
      child = spawn('bash', ['-c', LAUNCHER], {
        cwd: '/',
        env,
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        detached: true,
      });
    }
  } catch {
    pool.broken = true;
    void cgroup?.remove();
    return undefined;
  }
  const exited = exitOf(child);
  if (child.pid === undefined) {
    // ENOENT and the like arrive as an 'error' event: no bash to keep warm.
    pool.broken = true;
    void cgroup?.remove();
    return undefined;
  }
  countSpawn();
  // Writing to a shell that died meanwhile fails with EPIPE: its exit is what the task reports.
  child.stdio[3]?.on('error', () => {});
  child.unref();
  for (const stream of [child.stdout, child.stderr, child.stdio[3]]) (stream as Socket | null)?.unref();
  // A sandboxed one is moved in by spawnSandboxed, with bwrap's child, before bash starts.
  if (!pool.sandbox) void cgroup?.add(child.pid);
  const shell: TaskProcess = { child, execId, cgroup, exited, born, ...sandboxed };
  const entry = { shell, env, taken: false };
  // A taken one is replaced once its task has ended, not when it is taken: starting bash beside a task that has
  // just started slowed the task down (2 cores). One that dies while waiting (stopped by keepWarmShells, killed
  // by someone) is dropped; the next task refills the pool. A taken one's cgroup is its task's.
  void exited.then(() => {
    if (entry.taken) {
      if (!pool.sandbox) setImmediate(() => fill(pool));
      return;
    }
    const index = pool.shells.indexOf(entry);
    if (index >= 0) pool.shells.splice(index, 1);
    void cgroup?.remove();
  });
  return entry;
}
