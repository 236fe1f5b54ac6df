import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, constants as fsConstants } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { LogChunk, TaskOutcome } from '@floe/shared';
import { countSpawn, type ForkMark, forkMark, forksSince, nothingElseForked } from './fork-count.js';
import { groupOutlives, killTree } from './kill-tree.js';
import { LineSplitter } from './line-splitter.js';
import { isProcessAlive, processName, processStartTicks } from './process-table.js';
import { spawnSandboxed } from './spawn-sandboxed.js';
import { sweepEscapedProcesses } from './sweep-escaped.js';
import { createTaskCgroup } from './task-cgroup.js';
import type { RunSandbox } from './task-sandbox.js';
import { BASH_FLAGS, exitOf, startInWarmShell, type TaskProcess } from './warm-shell.js';

/** A program, looked up in `env.PATH` when it has no slash, run without a shell; or a bash script, run as
 * `bash -eo pipefail -c script` (in a warm bash when one is ready: warm-shell.ts). */
export type ProcessCommand = { file: string; args: string[] } | { script: string };

export type RunProcessOptions = ProcessCommand & {
  /** Must exist (callers create and check it: a missing cwd would read as "no such program"). */
  cwd: string;
  /** The whole environment of the process; nothing else is inherited. */
  env: Record<string, string>;
  /** Aborting it runs the kill ladder on the process group and resolves `{kind: 'cancelled'}`. */
  signal: AbortSignal;
  /** SIGINT to SIGKILL on cancel; default 10 000 ms. */
  killGraceMs?: number;
  onLog: (chunk: LogChunk) => void;
  /** Applied to every log text before it is handed on (e.g. to mask a clone token). */
  redact?: (text: string) => string;
  /** Told the process group id once the process has started (e.g. for the spool, so that a restarted runner
   * can kill what a crashed one left behind: DESIGN §8 "Runner restarts"). */
  onStart?: (pgid: number, execId: string) => void;
  /** Log an `exited N` line at the end; default true. */
  logExit?: boolean;
  /** Runs the process in this run's sandbox (task-sandbox.ts); default none. */
  sandbox?: RunSandbox;
};

/** How long the output pipes may stay open after the process group is gone (held by an escaped process). */
const PIPE_DRAIN_MS = 2_000;

/**
 * Runs one program in its own process group (detached) so that cancel reaches its whole tree, streaming stdout
 * and stderr apart as whole lines in constant memory. Resolves `exited` with the exit code (a death by signal
 * n is 128+n, as shells report it), `error` when it cannot start, or `cancelled`. Before resolving, whatever the
 * task left running — its group, its cgroup where the machine allows one (task-cgroup.ts), then escaped processes
 * carrying its execution id — is killed ("no process of a run survives its end"). Never rejects.
 */
export async function runProcess(options: RunProcessOptions): Promise<TaskOutcome> {
  const redact = options.redact ?? ((text: string) => text);
  const emit = (stream: LogChunk['stream'], text: string) => {
    if (text) options.onLog({ stream, at: Date.now(), text: redact(text) });
  };
  const sys = (line: string) => emit('sys', `${line}\n`);
  if (options.signal.aborted) return { kind: 'cancelled' };
  // The hub refuses form values with a NUL (shared/src/api/form-text.ts), but a task's script and environment
  // come from other places too (a FLOE.yaml, a run's data, a hub that is older or wrong). A NUL cannot be in an
  // argument or an environment variable, and one once split the warm shell's fields into a script of its own:
  // such a task fails before any process starts.
  const nul = nulIn(options);
  if (nul) return { kind: 'error', message: `cannot start: ${nul} holds a NUL character` };

  // Processes that leave the group (setsid, daemons) are found after the end by a mark in their environment: an
  // id of this execution alone, given to tasks (those with FLOE_RUN_ID and FLOE_NODE_ID, set by buildTaskEnv).
  const marks = sweepMarks(options.env);
  const envFor = (execId: string) => (marks ? { ...options.env, FLOE_EXEC_ID: execId } : options.env);
  const file = 'script' in options ? 'bash' : options.file;
  const mark = forkMark();
  const started =
    ('script' in options && startInWarmShell(options.script, options.cwd, envFor, options.sandbox)) ||
    spawnCold(options, envFor, mark);
  if ('error' in started) return { kind: 'error', message: startError(file, started.error) };
  const { child, execId, cgroup } = started;
  if (child.pid !== undefined) options.onStart?.(child.pid, execId);
  const leaderStartTicks = child.pid === undefined ? undefined : processStartTicks(child.pid);

  const streams: Promise<unknown>[] = [];
  for (const [stream, readable] of [
    ['out', child.stdout],
    ['err', child.stderr],
  ] as const) {
    if (!readable) continue;
    const splitter = new LineSplitter();
    readable.on('data', (bytes: Buffer) => emit(stream, splitter.push(bytes)));
    streams.push(
      finished(readable)
        .catch(() => {})
        .then(() => emit(stream, splitter.flush())),
    );
  }

  let killing: Promise<unknown> | undefined;
  const cancel = () => {
    const pid = child.pid;
    if (pid === undefined || killing) return;
    sys('cancelling: stopping the process group');
    killing = killTree(pid, {
      graceMs: options.killGraceMs,
      onSignal: (signal) => sys(`sent ${signal}`),
      members: started.groupMembers,
    });
  };
  options.signal.addEventListener('abort', cancel, { once: true });

  const ended = await started.exited;
  options.signal.removeEventListener('abort', cancel);
  if ('error' in ended) {
    child.stdout?.destroy();
    child.stderr?.destroy();
    void cgroup?.remove();
    return { kind: 'error', message: startError(file, ended.error) };
  }

  const pid = child.pid;
  if (killing) await killing;
  else if (pid !== undefined && (await groupOutlives(pid, started.groupMembers))) {
    sys('stopping processes the task left running');
    await killTree(pid, {
      graceMs: Math.min(options.killGraceMs ?? 10_000, 2_000),
      skipInterrupt: true,
      members: started.groupMembers,
    });
  }
  const escapees: number[] = [];
  const escaped = (escapee: number, name = processName(escapee) ?? '?') => {
    sys(`killed process ${escapee} (${name}), which had left the task's process group`);
    escapees.push(escapee);
  };
  // When the kernel created no process since the spawn but the ones this runner started, nothing can be left
  // anywhere: reading the environment of younger processes was most of a short task's overhead.
  const forks = forksSince(mark);
  const quiet = nothingElseForked(mark, forks);
  if (cgroup && !quiet) {
    // Whatever is still in the task's cgroup after its group was stopped left the group (setsid, a daemon).
    const left = await cgroup.pids();
    for (const escapee of left) escaped(escapee);
    if (left.length > 0) await cgroup.killAll();
  }
  if (marks && !quiet) {
    // Counted from the leader's birth, which for a warm shell was long before the task began.
    const since =
      pid === undefined || leaderStartTicks === undefined
        ? undefined
        : { leaderPid: pid, leaderStartTicks, forks: forksSince(started.born) };
    for (const found of sweepEscapedProcesses(marks.runId, marks.nodeId, execId, since)) {
      if (!escapees.includes(found.pid)) escaped(found.pid, found.name);
    }
  }
  // SIGKILL is delivered asynchronously: wait (briefly) until the escapees are really dead before the task ends.
  const sweptAt = Date.now();
  while (escapees.some(isProcessAlive) && Date.now() - sweptAt < 2_000) await delay(5, undefined);
  // Empty once the killed processes have exited; one stuck in the kernel leaves it behind (removed as a
  // leftover by the next runner start). Not awaited: it may wait for the kernel's cgroup lock.
  void cgroup?.remove();
  const drained = await Promise.race([Promise.all(streams).then(() => true), delay(PIPE_DRAIN_MS, false)]);
  if (!drained) {
    child.stdout?.destroy();
    child.stderr?.destroy();
    await Promise.all(streams);
  }

  if (killing) return { kind: 'cancelled' };
  // Bounded: should something still hold bwrap's status descriptor open, the task is taken to have run, as the
  // exit code says, rather than wait for ever.
  const ran = started.sandboxStarted && (await Promise.race([started.sandboxStarted, delay(PIPE_DRAIN_MS, true)]));
  if (started.sandboxStarted && !ran) {
    return {
      kind: 'error',
      message: `cannot start ${file}: bubblewrap ended before the command did (its sandbox could not be set up, or bwrap was killed; its reason, if any, is in the log above)`,
    };
  }
  if (ended.code !== null) {
    if (options.logExit !== false) sys(`exited ${ended.code}`);
    return { kind: 'exited', exitCode: ended.code };
  }
  const signo = ended.signal ? constants.signals[ended.signal] : undefined;
  const exitCode = 128 + (signo ?? 0);
  sys(`killed by ${ended.signal ?? 'a signal'} (exit ${exitCode})`);
  return { kind: 'exited', exitCode };
}

function startError(file: string, error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `cannot start ${file}: no such program (not found on PATH)`;
  if (code === 'EACCES') return `cannot start ${file}: permission denied (is it executable?)`;
  return `cannot start ${file}: ${error.message}`;
}

function sweepMarks(env: Record<string, string>): { runId: string; nodeId: string } | undefined {
  const runId = env.FLOE_RUN_ID;
  const nodeId = env.FLOE_NODE_ID;
  return runId && nodeId ? { runId, nodeId } : undefined;
}

function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(resolve, ms, value).unref());
}

/** Spawns the command now, in a new task cgroup where the machine allows one; `born` is the mark just taken. */
function spawnCold(
  options: RunProcessOptions,
  envFor: (execId: string) => Record<string, string>,
  born: ForkMark,
): TaskProcess | { error: Error } {
  const execId = randomUUID();
  const cgroup = createTaskCgroup(execId);
  try {
    const [file, args] =
      'script' in options ? ['bash', [...BASH_FLAGS, '-c', options.script]] : [options.file, options.args];
    const env = envFor(execId);
    // Inside a sandbox a missing program would be bwrap's or setpriv's error: it is told apart here, as spawn does.
    if (options.sandbox && !file.includes('/') && !onPath(file, env.PATH)) {
      void cgroup?.remove();
      return { error: Object.assign(new Error(`spawn ${file} ENOENT`), { code: 'ENOENT' }) };
    }
    // In a sandbox, bwrap moves it into the cgroup before the command starts (spawn-sandboxed.ts).
    if (options.sandbox) {
      const { child, ...sandboxed } = spawnSandboxed(options.sandbox, [file, ...args], {
        cwd: options.cwd,
        env,
        cgroup,
      });
      countSpawn();
      return { child, execId, cgroup, exited: exitOf(child), born, ...sandboxed };
    }
    // Its own process group (setsid), so that signals reach the whole tree the task starts. Node's own spawn: the
    // streams are read by runProcess piece by piece, and execa's machinery around them was most of what 200
    // tasks at once held in memory (pnpm bench fanout).
    const child = spawn(file, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    countSpawn();
    if (child.pid !== undefined) void cgroup?.add(child.pid);
    return { child, execId, cgroup, exited: exitOf(child), born };
  } catch (error) {
    void cgroup?.remove();
    return { error: error as Error };
  }
}

function onPath(file: string, path = ''): boolean {
  return path.split(':').some((dir) => {
    try {
      accessSync(join(dir || '.', file), fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Which part of a command holds a NUL, or undefined. */
function nulIn(options: RunProcessOptions): string | undefined {
  if ('script' in options && options.script.includes('\0')) return 'the script';
  if ('file' in options && options.file.includes('\0')) return 'the program name';
  if ('args' in options && options.args.some((arg) => arg.includes('\0'))) return 'an argument';
  if (options.cwd.includes('\0')) return 'the working directory';
  for (const [key, value] of Object.entries(options.env)) {
    if (key.includes('\0')) return 'the name of an environment variable';
    if (value.includes('\0')) return `environment variable ${key}`;
  }
  return undefined;
}
