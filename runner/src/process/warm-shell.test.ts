import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogChunk, TaskOutcome } from '@floe/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { processStartTicks } from './process-table.js';
import { runProcess } from './run-process.js';
import { keepWarmShells, warmPayload } from './warm-shell.js';

/** Everything a script can see of the shell it runs in, minus what differs from one process to the next. */
const DUMP = [
  "declare -p | grep -vE '^declare (-[-a-zA-Z]+ )?(BASHPID|BASH_ARGC|BASH_ARGV|BASH_LINENO|BASH_SOURCE|EPOCHREALTIME|EPOCHSECONDS|RANDOM|SRANDOM|SECONDS|LINENO|_|BASH_COMMAND|FUNCNAME|PIPESTATUS|PPID|FLOE_EXEC_ID)(=|$)'",
  'echo "flags=$- args=$# zero=$0"',
  'set -o; shopt; pwd; umask; trap -p; ulimit -n',
  "env | sort | grep -vE '^(_|FLOE_EXEC_ID)='",
].join('\n');

const CLOCK_TICKS = 100;

interface Ran {
  outcome: TaskOutcome;
  out: string;
  err: string;
  /** Whether the task's process had started before runProcess was called: a warm shell. */
  warm: boolean;
}

async function run(script: string, env: Record<string, string>, cwd: string): Promise<Ran> {
  const chunks: LogChunk[] = [];
  let started: number | undefined;
  const calledAt = uptimeTicks();
  const outcome = await runProcess({
    script,
    cwd,
    env,
    signal: new AbortController().signal,
    onLog: (chunk) => chunks.push(chunk),
    onStart: (pgid) => {
      started = processStartTicks(pgid);
    },
    logExit: false,
  });
  const text = (stream: LogChunk['stream']) =>
    chunks
      .filter((chunk) => chunk.stream === stream)
      .map((chunk) => chunk.text)
      .join('');
  return { outcome, out: text('out'), err: text('err'), warm: started !== undefined && started < calledAt - 5 };
}

/** Clock ticks since boot, the unit of a process's start time in /proc/PID/stat. */
function uptimeTicks(): number {
  return Math.round(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * CLOCK_TICKS);
}

/**
 * Makes the pool keep one shell (started at once, synchronously) and lets it age `ms`: long enough that its start
 * time (in 10 ms clock ticks) tells it from a shell started for the task. Ageing is the condition itself, so a
 * loaded machine only makes the wait longer, never too short.
 */
async function warmUp(ms = 150): Promise<void> {
  keepWarmShells(1);
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function workspace(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'floe-warm-'));
}

const taskEnv = (extra: Record<string, string> = {}) =>
  ({ ...process.env, FLOE_RUN_ID: 'r1', FLOE_NODE_ID: 'build', ...extra }) as Record<string, string>;

afterEach(() => keepWarmShells(1));

describe.runIf(process.platform === 'linux')('warm shells', () => {
  it('runs a script in a warm bash exactly as a cold `bash -eo pipefail -c` would', async () => {
    const cwd = await workspace();
    keepWarmShells(0);
    const cold = await run(DUMP, taskEnv({ GREETING: 'it\'s a "test"\nline 2' }), cwd);
    await warmUp();
    const warm = await run(DUMP, taskEnv({ GREETING: 'it\'s a "test"\nline 2' }), cwd);
    expect(cold.warm).toBe(false);
    expect(warm.warm).toBe(true);
    expect(warm.outcome).toEqual({ kind: 'exited', exitCode: 0 });
    expect(warm.err).toBe('');
    // Same variables (exported or not), options, working directory, umask, traps, environment.
    expect(warm.out).toBe(cold.out);
    expect(warm.out).toContain(`GREETING=it's a "test"`);
    expect(warm.out).toContain('flags=ehBc args=0 zero=bash');
    expect(warm.out).toContain('pipefail       \ton');
  });

  it("counts $SECONDS from the task's start, not from the warm shell's", async () => {
    const cwd = await workspace();
    // bash counts whole seconds since the count started: a shell over two seconds old that had not reset it
    // would say 2 or more; one reset for the task says 0, or 1 when a second boundary fell in between.
    await warmUp(2_100);
    const ran = await run('echo "$SECONDS"', taskEnv(), cwd);
    expect(ran.warm).toBe(true);
    expect(Number(ran.out)).toBeLessThanOrEqual(1);
  });

  it('fails like a cold shell: set -e, pipefail, the exit code, the error message', async () => {
    const cwd = await workspace();
    await warmUp();
    const failing = await run('echo before\nfalse | true\necho after\nnosuch-command', taskEnv(), cwd);
    expect(failing.warm).toBe(true);
    expect(failing.outcome).toEqual({ kind: 'exited', exitCode: 1 });
    expect(failing.out).toBe('before\n');
    await warmUp();
    const missing = await run('echo before\nnosuch-command\necho after', taskEnv(), cwd);
    expect(missing.outcome).toEqual({ kind: 'exited', exitCode: 127 });
    expect(missing.err).toBe('bash: line 2: nosuch-command: command not found\n');
    await warmUp();
    const exit = await run('trap "echo trapped" EXIT; exit 7', taskEnv(), cwd);
    expect(exit.outcome).toEqual({ kind: 'exited', exitCode: 7 });
    expect(exit.out).toBe('trapped\n');
  });

  it('starts cold when the environment changes what bash reads at start-up', async () => {
    const cwd = await workspace();
    const startup = join(cwd, 'startup.sh');
    await writeFile(startup, 'FROM_BASH_ENV=yes\n');
    await warmUp();
    const ran = await run('echo "from BASH_ENV: $FROM_BASH_ENV"', taskEnv({ BASH_ENV: startup }), cwd);
    expect(ran.warm).toBe(false);
    expect(ran.out).toBe('from BASH_ENV: yes\n');
  });

  it('leaves no warm bash holding a task: each one runs a single script', async () => {
    const cwd = await workspace();
    await warmUp();
    const first = await run('echo $$', taskEnv(), cwd);
    await warmUp();
    const second = await run('echo $$', taskEnv(), cwd);
    expect(first.warm && second.warm).toBe(true);
    expect(first.out).not.toBe(second.out);
  });
});

describe('warmPayload', () => {
  const shellEnv = { PATH: '/usr/bin:/bin', HOME: '/root' };

  it('sends what differs from the environment of the shell, the working directory and the script', () => {
    const payload = warmPayload(shellEnv, { ...shellEnv, A: "x'y", PATH: '/opt/bin:/usr/bin:/bin' }, '/w s', 'true');
    expect(payload).toBe(`export PATH='/opt/bin:/usr/bin:/bin' A='x'\\''y'\0/w s\0true\0`);
  });

  it('refuses what a warm bash cannot reproduce', () => {
    for (const env of [
      { ...shellEnv, BASH_ENV: '/tmp/x' },
      { ...shellEnv, SHELLOPTS: 'xtrace' },
      { ...shellEnv, SHLVL: '5' },
      { ...shellEnv, 'NOT-A-NAME': '1' },
      { PATH: '/usr/bin:/bin' },
    ]) {
      expect(warmPayload(shellEnv, env, '/', 'true')).toBeUndefined();
    }
  });
});
