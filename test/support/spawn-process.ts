import { type ChildProcess, spawn } from 'node:child_process';
import { waitFor } from './wait-for.js';

/** A process a test started, with its output kept for assertions and for the failure message. */
export interface SpawnedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  /** Resolves with the output once it matches `pattern` (rejects after `timeoutMs`, default 30 s). */
  waitForOutput(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or 128 + signal number) when the process has exited. */
  readonly exited: Promise<number>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 5 s); resolves with the exit code. */
  stop(graceMs?: number): Promise<number>;
  /** SIGKILL at once (a crash); resolves when it is gone. */
  kill(): Promise<number>;
}

const running = new Set<SpawnedProcess>();

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Starts `command` with `args`; every process started here is ended by killSpawned(). */
export function spawnProcess(
  command: string,
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): SpawnedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    output += text;
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    output += text;
  });
  const exited = new Promise<number>((resolve) => {
    child.on('close', (code, signal) => resolve(code ?? 128 + (SIGNALS[signal ?? ''] ?? 0)));
  });
  const spawned: SpawnedProcess = {
    child,
    pid: child.pid ?? -1,
    output: () => output,
    waitForOutput: (pattern, timeoutMs = 30_000) =>
      waitFor(() => (typeof pattern === 'string' ? output.includes(pattern) : pattern.test(output)) && output, {
        timeoutMs,
        what: `${pattern} in the output of ${command} ${args.join(' ')}:\n${output.slice(-3000)}`,
      }),
    exited,
    stop: async (graceMs = 5_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
  running.add(spawned);
  exited.then(() => running.delete(spawned));
  return spawned;
}

/** Kills (SIGKILL) every process spawnProcess started that is still running, and waits for them. */
export async function killSpawned(): Promise<void> {
  await Promise.all([...running].map((spawned) => spawned.kill()));
}
