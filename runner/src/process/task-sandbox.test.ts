import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogChunk, TaskOutcome } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { giveToTaskUser } from './give-to-task-user.js';
import { groupAlive } from './kill-tree.js';
import { runProcess } from './run-process.js';
import { spawnSandboxed } from './spawn-sandboxed.js';
import { canContainTasks } from './task-cgroup.js';
import { hiddenDirs, lookUpUser, probeTaskSandbox, type RunSandbox, sandboxArgv } from './task-sandbox.js';
import { dropWarmShells, warmSandbox } from './warm-shell.js';

// These run a real sandbox as a real task user: root, bubblewrap and the floe-task user (test/prepare-machine.mjs
// makes it), as on the machines CI runs on.
const canSandbox = process.getuid?.() === 0 && existsSync('/usr/bin/bwrap') && lookUpUser('floe-task') !== undefined;

async function makeRun(network = false): Promise<{ run: RunSandbox; workDir: string }> {
  const workDir = await mkdtemp(join(tmpdir(), 'floe-sandbox-'));
  const workspace = join(workDir, 'runs', 'flow-1');
  const home = `${workspace}.home`;
  const tmp = `${workspace}.tmp`;
  for (const dir of [workspace, home, tmp]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(workDir, 'credential.json'), '{"credential":"floe_runner_secret"}', { mode: 0o600 });
  mkdirSync(join(workDir, 'runs', 'other-2'), { recursive: true });
  writeFileSync(join(workDir, 'runs', 'other-2', 'file'), 'another run');
  const probe = probeTaskSandbox({ workDir, taskUser: 'floe-task', binds: [], path: process.env.PATH ?? '' });
  if (!probe.ok) throw new Error(probe.reason);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TMPDIR: '/tmp' };
  const run: RunSandbox = { sandbox: probe.sandbox, workspace, home, tmp, network, shellEnv: env };
  await giveToTaskUser(run, workspace, home, tmp);
  return { run, workDir };
}

async function inSandbox(run: RunSandbox, script: string): Promise<{ outcome: TaskOutcome; out: string }> {
  const chunks: LogChunk[] = [];
  const outcome = await runProcess({
    script,
    cwd: run.workspace,
    env: { ...run.shellEnv, FLOE_RUN_ID: 'r1', FLOE_NODE_ID: 'n1' },
    signal: new AbortController().signal,
    onLog: (chunk) => chunks.push(chunk),
    logExit: false,
    sandbox: run,
  });
  return { outcome, out: chunks.map((chunk) => (chunk.stream === 'sys' ? '' : chunk.text)).join('') };
}

describe('hiddenDirs', () => {
  it('hides the work dir, or the closed directory above it, and the home, outermost first', async () => {
    const open = await mkdtemp(join(tmpdir(), 'floe-hide-'));
    const { chmodSync } = await import('node:fs');
    chmodSync(open, 0o755);
    mkdirSync(join(open, 'closed', 'work'), { recursive: true });
    chmodSync(join(open, 'closed'), 0o700);
    expect(hiddenDirs(join(open, 'closed', 'work'), '/home/ci')).toEqual(['/home/ci', join(open, 'closed')]);
    mkdirSync(join(open, 'shown', 'work'), { recursive: true, mode: 0o755 });
    expect(hiddenDirs(join(open, 'shown', 'work'), join(open, 'shown'))).toEqual([join(open, 'shown')]);
  });
});

describe.skipIf(!canSandbox)('a sandboxed task', () => {
  it('runs as the task user, writes its workspace, and sees neither the credential nor other runs', async () => {
    const { run, workDir } = await makeRun();
    const { outcome, out } = await inSandbox(
      run,
      [
        'id -un',
        'echo made > mine && echo wrote',
        `cat ${join(workDir, 'credential.json')} 2>/dev/null || echo no-credential`,
        `cat ${join(workDir, 'runs', 'other-2', 'file')} 2>/dev/null || echo no-other-run`,
        'cat /etc/shadow 2>/dev/null || echo no-shadow',
        '{ echo x > /usr/floe-test; } 2>/dev/null || echo read-only',
        'echo $$; ls /proc | grep -c "^[0-9]"',
      ].join('\n'),
    );
    expect(outcome).toEqual({ kind: 'exited', exitCode: 0 });
    expect(out.split('\n')).toEqual([
      'floe-task',
      'wrote',
      'no-credential',
      'no-other-run',
      'no-shadow',
      'read-only',
      '2',
      // bwrap's init, bash, ls and grep: nothing of the machine's.
      expect.stringMatching(/^[3-6]$/),
      '',
    ]);
    expect(statSync(join(run.workspace, 'mine')).uid).toBe(lookUpUser('floe-task')?.uid);
  });

  it('starts a warm shell in the run sandbox ahead of the task, and the task runs there as a cold one would', async () => {
    const { run } = await makeRun();
    warmSandbox(run);
    const first = await inSandbox(run, 'echo "$FLOE_RUN_ID $(id -un) $HOME $(pwd)"');
    expect(first.out).toBe(`r1 floe-task ${run.home} ${run.workspace}\n`);
    await dropWarmShells(run);
  });

  it.skipIf(!canContainTasks())('is in its task cgroup from its first command on, with what it starts', async () => {
    const { run } = await makeRun();
    let execId = '';
    const chunks: LogChunk[] = [];
    const outcome = await runProcess({
      script: 'cat /proc/self/cgroup; sh -c "cat /proc/self/cgroup"',
      cwd: run.workspace,
      env: { ...run.shellEnv, FLOE_RUN_ID: 'r1', FLOE_NODE_ID: 'n1' },
      signal: new AbortController().signal,
      onLog: (chunk) => chunks.push(chunk),
      onStart: (_pgid, id) => {
        execId = id;
      },
      logExit: false,
      sandbox: run,
    });
    expect(outcome).toEqual({ kind: 'exited', exitCode: 0 });
    const lines = chunks
      .filter((chunk) => chunk.stream === 'out')
      .map((chunk) => chunk.text)
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('0::'));
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(new RegExp(`/${execId}$`));
  });

  it('has no network unless the run may have it', async () => {
    const closed = await inSandbox((await makeRun(false)).run, 'cat /proc/net/dev | grep -c :');
    expect(closed.out.trim()).toBe('1'); // lo alone
    const open = await inSandbox((await makeRun(true)).run, 'cat /proc/net/dev | grep -c :');
    expect(Number(open.out.trim())).toBe(
      readFileSync('/proc/net/dev', 'utf8')
        .split('\n')
        .filter((line) => line.includes(':')).length,
    );
  });

  it('ends what the task left running in its pid namespace when the task ends', async () => {
    const { run } = await makeRun();
    const marker = `floe-left-${process.pid}-${Date.now()}`;
    const { outcome } = await inSandbox(
      run,
      `setsid bash -c 'exec -a ${marker} sleep 300' </dev/null >/dev/null 2>&1 &\necho started`,
    );
    expect(outcome).toEqual({ kind: 'exited', exitCode: 0 });
    const alive = (await import('node:child_process')).spawnSync('pgrep', ['-f', marker]).status === 0;
    expect(alive).toBe(false);
  });

  it("checks a sandboxed task's group by bwrap and the sandbox's init alone: alive while the task runs, gone after", async () => {
    const { run } = await makeRun();
    const { child, sandboxStarted, groupMembers } = spawnSandboxed(run, ['sleep', '300'], {
      cwd: run.workspace,
      env: run.shellEnv,
      cgroup: undefined,
    });
    const pid = child.pid as number;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // The init is named once bwrap has made it; the sleep then runs inside, a member of the group too.
    while (groupMembers() === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    const [, init] = groupMembers() as number[];
    expect(groupMembers()).toEqual([pid, init]);
    expect(groupAlive(pid, groupMembers())).toBe(true);
    process.kill(init as number, 'SIGKILL');
    await exited;
    await sandboxStarted;
    // The init may stay a zombie in the group (an init of the machine that reaps late): the group is gone all
    // the same, as the whole table says, and the sleep with it (the kernel empties the pid namespace).
    expect(groupAlive(pid, groupMembers())).toBe(false);
    expect(groupAlive(pid)).toBe(false);
  });

  it('fails with error, not exited, when bwrap cannot set the sandbox up; a command failing inside stays exited', async () => {
    const { run } = await makeRun();
    const chunks: LogChunk[] = [];
    const inCold = (sandbox: RunSandbox, file: string, args: string[]) =>
      runProcess({
        file,
        args,
        cwd: sandbox.workspace,
        env: sandbox.shellEnv,
        signal: new AbortController().signal,
        onLog: (chunk) => chunks.push(chunk),
        logExit: false,
        sandbox,
      });
    // The command itself fails: that is the task's result.
    expect(await inCold(run, 'false', [])).toEqual({ kind: 'exited', exitCode: 1 });
    // The run's tmp is gone (as when an earlier attempt removed it): bwrap fails before `true` could start.
    const broken = { ...run, tmp: `${run.tmp}-gone` };
    const outcome = await inCold(broken, 'true', []);
    expect(outcome).toEqual({
      kind: 'error',
      message:
        'cannot start true: bubblewrap ended before the command did (its sandbox could not be set up, or bwrap was killed; its reason, if any, is in the log above)',
    });
    expect(chunks.map((chunk) => chunk.text).join('')).toMatch(/bwrap: .*-gone/);
  });

  it('reports the command line it runs: bwrap, then setpriv to the task user', async () => {
    const { run } = await makeRun();
    const argv = sandboxArgv(run, ['true'], { statusFd: 4, blockFd: 5 });
    expect(argv[0]).toBe('/usr/bin/bwrap');
    expect(argv).toContain('--unshare-net');
    expect(argv.slice(argv.indexOf('setpriv'))).toEqual([
      'setpriv',
      `--reuid=${lookUpUser('floe-task')?.uid}`,
      `--regid=${lookUpUser('floe-task')?.gid}`,
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '--',
      'true',
    ]);
  });
});
