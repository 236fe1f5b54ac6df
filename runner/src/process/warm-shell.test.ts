import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogChunk, TaskOutcome } from '@floe/shared';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { processStartTicks } from './process-table.js';
import { runProcess } from './run-process.js';
import { keepWarmShells, startInWarmShell, warmPayload } from './warm-shell.js';

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

afterEach(() => keepWarmShells(1, process.env as Record<string, string>));

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

/** What a task sees, printed by SEE: its variable V, the text it quoted, its command string and its directory. */
interface Seen {
  value: string;
  quoted: string;
  script: string;
  cwd: string;
}

/**
 * A script that prints what the task sees, NUL-separated (nothing it prints can hold one), then stops before
 * `tail`: bash's `eval` parses a command at a time, so text after `exit 0` is carried but never parsed or run.
 */
const seeScript = (quoted: string, tail: string) =>
  `S=${shellQuote(quoted)}\nprintf '%s\\0' "$V" "$S" "$BASH_EXECUTION_STRING" "$PWD"\nexit 0\n${tail}`;

const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * Runs `script` in the warm shell the pool holds (there is always one: keepWarmShells starts it synchronously), so
 * this is the warm path and only it — startInWarmShell answers undefined rather than starting a cold one.
 */
async function runWarm(script: string, extra: Record<string, string>, cwd: string, shellEnv = PLAIN_ENV) {
  keepWarmShells(1, shellEnv);
  const shell = startInWarmShell(script, cwd, (execId) => ({ ...shellEnv, FLOE_EXEC_ID: execId, ...extra }));
  if (!shell) throw new Error('no warm shell took the task');
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  shell.child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  shell.child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
  const [exit] = await Promise.all([
    shell.exited,
    ...[shell.child.stdout, shell.child.stderr].map((stream) => new Promise((done) => stream?.once('close', done))),
  ]);
  const [value = '', quoted = '', seenScript = '', seenCwd = '', ...rest] = Buffer.concat(out)
    .toString('utf8')
    .split('\0');
  return {
    exit,
    err: Buffer.concat(err).toString('utf8'),
    seen: { value, quoted, script: seenScript, cwd: seenCwd } satisfies Seen,
    rest,
  };
}

const PLAIN_ENV = { ...(process.env as Record<string, string>) };
const UTF8_ENV = { ...PLAIN_ENV, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };

/** What a string is once it has been through UTF-8 (a lone surrogate becomes U+FFFD), as a task receives it. */
const asUtf8 = (text: string) => Buffer.from(text, 'utf8').toString('utf8');

describe.runIf(process.platform === 'linux')('the warm shell carries any value', () => {
  it('carries every character from U+0001 to U+00FF in a variable, a script, quoted text and a directory', async () => {
    const root = await workspace();
    const all = Array.from({ length: 255 }, (_, index) => String.fromCharCode(index + 1)).join('');
    const texts = [all, ...Array.from(all)];
    for (const text of texts) {
      // A directory name cannot hold `/`, and holds 255 bytes at most: the whole set goes in nested directories.
      const names = text.replaceAll('/', '_').match(/.{1,80}/gsu) ?? [];
      const cwd = join(root, String(texts.indexOf(text)), ...names);
      await mkdir(cwd, { recursive: true });
      const script = seeScript(text, text);
      const ran = await runWarm(script, { V: text }, cwd);
      const label = JSON.stringify(text.length > 1 ? 'U+0001…U+00FF' : text);
      expect(ran.exit, label).toEqual({ code: 0, signal: null });
      expect(ran.err, label).toBe('');
      expect(ran.seen, label).toEqual({ value: text, quoted: text, script, cwd });
      expect(ran.rest, label).toEqual(['']);
    }
  });

  it('carries random text, multibyte UTF-8 included, in a UTF-8 locale as in the C locale', async () => {
    const cwd = await workspace();
    const text = fc.string({ unit: 'binary', maxLength: 300 }).map((raw) => raw.replaceAll('\0', ''));
    await fc.assert(
      fc.asyncProperty(text, text, text, fc.boolean(), async (value, quoted, tail, inUtf8) => {
        const script = seeScript(quoted, tail);
        const ran = await runWarm(script, { V: value }, cwd, inUtf8 ? UTF8_ENV : PLAIN_ENV);
        expect(ran.exit).toEqual({ code: 0, signal: null });
        expect(ran.err).toBe('');
        expect(ran.seen).toEqual({ value: asUtf8(value), quoted: asUtf8(quoted), script: asUtf8(script), cwd });
        expect(ran.rest).toEqual(['']);
      }),
      { numRuns: 150 },
    );
  });

  it('counts bytes, not characters, when the shell and the task speak UTF-8', async () => {
    const cwd = await workspace();
    // Each of these is more bytes than characters: a count of characters would cut the next field short.
    for (const text of ['é', '日本語', '😀x', 'a\u00e9\n\u00e9 ']) {
      const script = seeScript(text, text);
      const ran = await runWarm(script, { V: text, W: text }, cwd, UTF8_ENV);
      expect(ran.seen).toEqual({ value: text, quoted: text, script, cwd });
    }
  });

  it('fails a task holding a NUL with error, running nothing, whether warm or cold', async () => {
    const cwd = await workspace();
    for (const warm of [true, false]) {
      if (warm) await warmUp();
      else keepWarmShells(0);
      const marker = join(cwd, `ran-${warm}`);
      const inScript = await run(`touch ${marker}\0touch ${marker}-2`, taskEnv(), cwd);
      const inEnv = await run(`touch ${marker}`, taskEnv({ NOTE: 'a\0b' }), cwd);
      const inName = await run(`touch ${marker}`, taskEnv({ 'X\0Y': 'z' }), cwd);
      expect(inScript.outcome).toEqual({ kind: 'error', message: 'cannot start: the script holds a NUL character' });
      expect(inEnv.outcome).toEqual({
        kind: 'error',
        message: 'cannot start: environment variable NOTE holds a NUL character',
      });
      expect(inName.outcome).toMatchObject({ kind: 'error' });
      expect(existsSync(marker) || existsSync(`${marker}-2`)).toBe(false);
    }
  });
});

describe('warmPayload', () => {
  const shellEnv = { PATH: '/usr/bin:/bin', HOME: '/root' };

  it('sends the byte counts of what differs from the environment of the shell, the working directory and the script', () => {
    const payload = warmPayload(shellEnv, { ...shellEnv, A: "x'y", PATH: '/opt/bin:/usr/bin:/bin' }, '/w é', 'true');
    const exports = `export PATH='/opt/bin:/usr/bin:/bin' A='x'\\''y'`;
    expect(payload?.toString('utf8')).toBe(`${exports.length} 5 4\n${exports}/w étrue`);
  });

  it('never sends a NUL: bash would drop it and read the next field into this one', () => {
    expect(warmPayload(shellEnv, { ...shellEnv, A: 'a\0b' }, '/', 'true')).toBeUndefined();
    expect(warmPayload(shellEnv, shellEnv, '/', 'true\0id')).toBeUndefined();
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
