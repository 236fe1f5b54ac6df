// What happens to runs when processes die (DESIGN §5, §8 "Runner restarts"): a runner killed mid-run, a hub
// restarted mid-run, a runner restarted after a crash. Real `floe-hub` and `floe runner start` processes.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type HubProcess,
  hostPid,
  killByEnv,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  type RunnerProcess,
  removeTempDirs,
  startHub,
  startRunner,
  waitFor,
} from '../support/index.js';

interface RunView {
  state: string;
  result?: string;
  reason?: string;
  reasonCode?: string;
  runner?: string;
  pendingReason?: string;
}

/** Sentinel lines 1..N, a few ms apart, so that a restart falls in the middle of them. */
const LINES = 400;

/**
 * A shell printing `line 1` … `line LINES` in `stages` equal parts, a few ms apart; after each part but the last
 * it waits until the test creates `$GATE_DIR/<part>`: a hub the test crashes before opening a gate is crashed in
 * the middle of the run, however slow the machine.
 */
function gatedLines(stages: number): string {
  const per = LINES / stages;
  return [
    `for stage in $(seq 1 ${stages}); do`,
    `for i in $(seq $(( (stage - 1) * ${per} + 1 )) $(( stage * ${per} ))); do echo line $i; sleep 0.01; done;`,
    `[ $stage = ${stages} ] || until [ -e "$GATE_DIR/$stage" ]; do sleep 0.02; done;`,
    'done',
  ].join(' ');
}
/** 1.5 MB of `a` without a newline, a wait at gate 1, 1.5 MB of `b`, then `end`, still without a newline. */
const BULK_HALF = 1_500_000;
const BULK_SCRIPT = [
  `head -c ${BULK_HALF} /dev/zero | tr '\\0' a;`,
  'until [ -e "$GATE_DIR/1" ]; do sleep 0.02; done;',
  `head -c ${BULK_HALF} /dev/zero | tr '\\0' b; printf end`,
].join(' ');
const FLOWS = `
flows:
  - id: hold
    resource-tags: [db]
    tasks:
      - {id: wait, type: exec, listen: trigger.good, opts: {shell: "echo $$ > \\"$PID_FILE\\"; echo started; sleep 60"}}
  - id: quick
    resource-tags: [db]
    tasks:
      - {id: hi, type: exec, listen: trigger.good, opts: {shell: "echo quick"}}
  - id: again
    requeue-lost: true
    tasks:
      - {id: work, type: exec, listen: trigger.good, opts: {shell: "echo $$ > \\"$PID_FILE.$$\\"; echo working; sleep 60"}}
  - id: marathon
    tasks:
      - {id: count, type: exec, listen: trigger.good, opts: {shell: ${JSON.stringify(gatedLines(4))}}}
  - id: bulk
    tasks:
      - {id: bulk, type: exec, listen: trigger.good, opts: {shell: ${JSON.stringify(BULK_SCRIPT)}}}
  - id: count
    tasks:
      - {id: count, type: exec, listen: trigger.good, opts: {shell: ${JSON.stringify(gatedLines(2))}}}
      - {id: done, type: end, listen: task.count.good}
`;

let repo: string;
let pidFile = '';
let gateDir = '';
beforeEach(() => {
  repo = makeTempDir('floe-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
});
afterEach(async () => {
  await killSpawned();
  // Tasks of runners killed with -9 are nobody's children any more: end them by the PID_FILE they carry.
  if (pidFile) killByEnv('PID_FILE', pidFile);
  pidFile = '';
  removeTempDirs();
});

/** The environment of runners: where the hold task writes its pid, and a quick reconnect. */
function runnerEnv(): Record<string, string> {
  pidFile = join(makeTempDir('floe-pid-'), 'task.pid');
  gateDir = makeTempDir('floe-gate-');
  // Tasks in a sandbox run as the task user: they write the pid file and look for the gates.
  chmodSync(dirname(pidFile), 0o777);
  chmodSync(gateDir, 0o755);
  return { PID_FILE: pidFile, GATE_DIR: gateDir, FLOE_RUNNER_BACKOFF_MAX: '500ms' };
}

/**
 * The runners' task sandboxes reach the pid file's folder and the gates (docs/runners.md "Task sandboxes": what a
 * task must reach outside its workspace, the runner's configuration names). Call after runnerEnv.
 */
function sandboxBinds(): string[] {
  return ['--sandbox-bind', dirname(pidFile), '--sandbox-bind', gateDir];
}

/** The pid on this machine of the shell of `flow` that wrote `written` as its `$$` (support/host-pid.ts). */
function findTaskPid(written: number, flow: string): number | undefined {
  return hostPid(written, `PID_FILE=${pidFile}`, `/runs/${flow}-`);
}

/**
 * The pid the hold task wrote, once its log says it started (it writes the file first). A missing file is a broken
 * sandbox bind or a task that ran elsewhere: the failure shows what the task and its runner said.
 */
async function writtenPid(hub: HubProcess, runId: string, runner: RunnerProcess): Promise<number> {
  try {
    return Number(readFileSync(pidFile, 'utf8').trim());
  } catch (err) {
    const log = await (await hub.request(`/api/runs/${runId}/logs?node=wait`)).text();
    throw new Error(
      `${(err as Error).message} though the task said it started; its log:\n${log}\n${runner.name} said:\n${runner.output().slice(-4000)}`,
    );
  }
}

/** The task's shell once it runs its command: it writes its pid before it forks that command. */
function taskPidOf(written: number, flow: string): Promise<number> {
  return waitFor(() => findTaskPid(written, flow), { what: `the task process of ${flow} that wrote pid ${written}` });
}

/** Lets a gated task (gatedLines) go on past part `stage`. */
function openGate(stage: number): void {
  writeFileSync(join(gateDir, String(stage)), '');
}

async function start(hub: HubProcess, flow: string): Promise<string> {
  return (await hub.json<{ runId: string }>(`/api/flows/${flow}/runs`, { body: {} })).runId;
}

const run = (hub: HubProcess, runId: string) => hub.json<RunView>(`/api/runs/${runId}`);

function ended(hub: HubProcess, runId: string, timeoutMs = 20_000): Promise<RunView> {
  return waitFor(
    async () => {
      const view = await run(hub, runId);
      return view.state === 'archived' && view;
    },
    { timeoutMs, what: `run ${runId} to end` },
  );
}

/** The task-cgroup lives (runner/src/process/task-cgroup.ts) of process `pid`, under the cgroup v2 mount. */
function cgroupLivesOf(pid: number): string[] {
  const found = spawnSync('find', ['/sys/fs/cgroup', '-maxdepth', '8', '-type', 'd', '-name', `life-*-${pid}-*`], {
    encoding: 'utf8',
  });
  return found.stdout.split('\n').filter(Boolean);
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

describe('when processes die', () => {
  it('loses the run of a runner killed with -9 once its lease runs out, and frees its resource tags', async () => {
    const hub = await startHub({ repos: [repo], leaseMs: 2_000, heartbeatMs: 300 });
    const env = runnerEnv();
    const first = startRunner({
      hub: hub.url,
      token: await hub.runnerToken(),
      name: 'doomed',
      env,
      args: sandboxBinds(),
    });
    await first.waitForOutput('connected to the hub');
    const holding = await start(hub, 'hold');
    await waitFor(async () => (await run(hub, holding)).state === 'active', { what: 'hold to start' });
    await first.waitForOutput('run accepted');
    const waiting = await start(hub, 'quick');
    const other = startRunner({
      hub: hub.url,
      token: await hub.runnerToken(),
      name: 'survivor',
      env,
      args: sandboxBinds(),
    });
    await other.waitForOutput('connected to the hub');
    // quick shares resource tag db with hold: it waits, and says why.
    expect((await run(hub, waiting)).state).toBe('pending');

    const killedAt = Date.now();
    await first.kill();
    const lost = await ended(hub, holding, 10_000);
    expect(lost).toMatchObject({ result: 'bad', reasonCode: 'lost' });
    // By the lease: not before it ran out after the runner's last heartbeat (one heartbeat before the kill at most).
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(2_000 - 300);
    expect(await ended(hub, waiting)).toMatchObject({ result: 'good', runner: 'survivor' });

    // The killed runner comes back on its work dir: it kills what its previous life left running, and the hub
    // tells it the run is no longer its own.
    const taskPid = await taskPidOf(Number(readFileSync(pidFile, 'utf8').trim()), 'hold');
    expect(isAlive(taskPid)).toBe(true);
    const back = startRunner({ name: 'doomed', workDir: first.workDir, env, args: sandboxBinds() });
    await back.waitForOutput('connected to the hub');
    await waitFor(() => !isAlive(taskPid), { what: `task ${taskPid} to die` });
    await back.waitForOutput('run stopped by the hub');
    expect((await run(hub, holding)).reasonCode).toBe('lost');
  });

  it('finishes a run across a hub restart with every log line exactly once', async () => {
    const dataDir = makeTempDir('floe-hub-');
    let hub = await startHub({ repos: [repo], dataDir, leaseMs: 15_000, heartbeatMs: 300 });
    const env = runnerEnv();
    const runner = startRunner({
      hub: hub.url,
      token: await hub.runnerToken(),
      name: 'steady',
      env,
      args: sandboxBinds(),
    });
    await runner.waitForOutput('connected to the hub');
    const runId = await start(hub, 'count');
    const logOf = async (h: HubProcess) => (await h.request(`/api/runs/${runId}/logs?node=count`)).text();
    await waitFor(async () => ((await logOf(hub)).match(/^line \d+$/gm)?.length ?? 0) >= 30, {
      what: 'the first lines to arrive',
    });

    await hub.kill(); // a crash, not a polite stop; the task waits at its gate, half its lines to go
    await runner.waitForOutput('connection to the hub lost');
    hub = await startHub({ repos: [repo], dataDir, port: hub.port, leaseMs: 15_000, heartbeatMs: 300 });
    openGate(1);

    expect(await ended(hub, runId, 30_000)).toMatchObject({ result: 'good', runner: 'steady' });
    const lines = (await logOf(hub)).match(/^line \d+$/gm) ?? [];
    expect(lines).toEqual(Array.from({ length: LINES }, (_, i) => `line ${i + 1}`));
    expect(runner.output().match(/connected to the hub/g)?.length).toBe(2);
  });

  it('keeps a large log of long lines byte for byte across a hub crash in the middle of it', async () => {
    const dataDir = makeTempDir('floe-hub-');
    let hub = await startHub({ repos: [repo], dataDir, leaseMs: 15_000, heartbeatMs: 300 });
    const env = runnerEnv();
    const runner = startRunner({
      hub: hub.url,
      token: await hub.runnerToken(),
      name: 'bulky',
      env,
      args: sandboxBinds(),
    });
    await runner.waitForOutput('connected to the hub');
    const runId = await start(hub, 'bulk');
    const logEnd = async (h: HubProcess, from: number) =>
      Number((await h.request(`/api/runs/${runId}/logs?node=bulk&from=${from}`)).headers.get('x-floe-log-next'));
    // The runner holds back the end of an unfinished line until 64 KiB of it are there (line-splitter.ts).
    await waitFor(async () => (await logEnd(hub, BULK_HALF - 65_536)) >= BULK_HALF - 65_536, {
      what: 'most of the first half of the log',
    });

    await hub.kill(); // a crash: the task waits at its gate, its second half to go
    await runner.waitForOutput('connection to the hub lost');
    hub = await startHub({ repos: [repo], dataDir, port: hub.port, leaseMs: 15_000, heartbeatMs: 300 });
    openGate(1);

    expect(await ended(hub, runId, 30_000)).toMatchObject({ result: 'good' });
    let log = '';
    for (let from = 0; ; ) {
      const page = await hub.request(`/api/runs/${runId}/logs?node=bulk&from=${from}`);
      const text = await page.text();
      const next = Number(page.headers.get('x-floe-log-next'));
      log += text;
      if (text === '' || next <= from) break;
      from = next;
    }
    // floe's first line, the output exactly as printed (no newline added anywhere), then floe's last line on a
    // line of its own.
    const first = log.slice(0, log.indexOf('\n') + 1);
    expect(first).toMatch(/^\$ head -c/);
    const output = log.slice(first.length, log.length - '\nexited 0\n'.length);
    expect(log.slice(first.length + output.length)).toBe('\nexited 0\n');
    expect(output.length).toBe(2 * BULK_HALF + 3);
    const expected = `${'a'.repeat(BULK_HALF)}${'b'.repeat(BULK_HALF)}end`;
    expect(output === expected, 'the stored output is the printed bytes, each once').toBe(true);
  });

  it('keeps every line exactly once through three hub crashes in one run', async () => {
    const dataDir = makeTempDir('floe-hub-');
    let hub = await startHub({ repos: [repo], dataDir, leaseMs: 20_000, heartbeatMs: 300 });
    const env = runnerEnv();
    const runner = startRunner({
      hub: hub.url,
      token: await hub.runnerToken(),
      name: 'tough',
      env,
      args: sandboxBinds(),
    });
    await runner.waitForOutput('connected to the hub');
    const runId = await start(hub, 'marathon');
    for (let crash = 1; crash <= 3; crash++) {
      await waitFor(() => (runner.output().match(/connected to the hub/g)?.length ?? 0) === crash, {
        what: `connection ${crash}`,
        timeoutMs: 20_000,
      });
      // Somewhere in part `crash` of the lines, or at its gate: always in the middle of the run.
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 400));
      expect((await run(hub, runId)).state).toBe('active');
      await hub.kill();
      hub = await startHub({ repos: [repo], dataDir, port: hub.port, leaseMs: 20_000, heartbeatMs: 300 });
      openGate(crash);
    }
    expect(await ended(hub, runId, 40_000)).toMatchObject({ result: 'good' });
    const log = await (await hub.request(`/api/runs/${runId}/logs?node=count`)).text();
    expect(log.match(/^line \d+$/gm)).toEqual(Array.from({ length: LINES }, (_, i) => `line ${i + 1}`));
  }, 120_000); // three hub starts: slow on a loaded machine

  it('kills what a crashed runner left behind and reports its run lost at once on restart', async () => {
    // A long lease: the run must end because the restarted runner says so, not because the lease ran out.
    const hub = await startHub({ repos: [repo], leaseMs: 60_000, heartbeatMs: 300 });
    const env = runnerEnv();
    const first = startRunner({
      hub: hub.url,
      token: await hub.runnerToken(),
      name: 'phoenix',
      env,
      args: sandboxBinds(),
    });
    await first.waitForOutput('connected to the hub');
    const runId = await start(hub, 'hold');
    await waitFor(
      async () => (await hub.request(`/api/runs/${runId}/logs?node=wait`)).text().then((t) => /^started$/m.test(t)),
      {
        what: 'the task to start',
      },
    );
    const taskPid = await taskPidOf(await writtenPid(hub, runId, first), 'hold');
    await first.kill();
    expect(isAlive(taskPid)).toBe(true);
    const lives = cgroupLivesOf(first.pid);

    const again = startRunner({ name: 'phoenix', workDir: first.workDir, env, args: sandboxBinds() });
    await again.waitForOutput('killed processes a previous runner left behind');
    await waitFor(() => !isAlive(taskPid), { what: `task ${taskPid} to die` });
    const lost = await ended(hub, runId, 10_000);
    expect(lost).toMatchObject({ result: 'bad', reasonCode: 'lost' });
    // Where the runner makes task cgroups, the crashed life's are gone too.
    await again.waitForOutput('connected to the hub');
    expect(lives.filter(existsSync)).toEqual([]);
    // What the task wrote before the crash was kept.
    expect(await (await hub.request(`/api/runs/${runId}/logs?node=wait`)).text()).toMatch(/^started$/m);
    await again.waitForOutput('run delivered');
  });

  it('stops its runs of requeue-lost flows itself when the hub stays silent past the lease', async () => {
    const hub = await startHub({ repos: [repo], leaseMs: 2_000, heartbeatMs: 300 });
    const env = runnerEnv();
    const runner = startRunner({
      hub: hub.url,
      token: await hub.runnerToken(),
      name: 'fenced',
      slots: 2,
      env,
      args: sandboxBinds(),
    });
    await runner.waitForOutput('connected to the hub');
    await start(hub, 'hold'); // not requeue-lost: it goes on
    await start(hub, 'again'); // requeue-lost: the hub may give it to another runner, so it must stop
    const holdPid = await waitFor(() => {
      try {
        return findTaskPid(Number(readFileSync(pidFile, 'utf8').trim()), 'hold');
      } catch {
        return undefined;
      }
    });
    const taskPid = await waitFor(() => {
      const name = readdirSync(dirname(pidFile)).find((entry) => entry.startsWith('task.pid.'));
      return name ? findTaskPid(Number(name.slice('task.pid.'.length)), 'again') : undefined;
    });
    const goneAt = Date.now();
    await hub.kill();
    await runner.waitForOutput('no word from the hub past the lease', 10_000);
    await waitFor(() => !isAlive(taskPid), { what: 'the task to be stopped', timeoutMs: 10_000 });
    // Not before the lease less one heartbeat after the hub's last word (up to a heartbeat before the kill), and
    // not much after it; the runner itself stays up.
    expect(Date.now() - goneAt).toBeGreaterThanOrEqual(2_000 - 2 * 300);
    expect(runner.child.exitCode).toBeNull();
    expect(isAlive(holdPid)).toBe(true);
  });

  it('never lets a frozen runner go on with a run the hub re-queued elsewhere', async () => {
    const hub = await startHub({ repos: [repo], leaseMs: 2_000, heartbeatMs: 300 });
    const env = runnerEnv();
    // Without sandboxes: the two copies of the run name their pid files by `$$`, which in two sandboxes is the same
    // pid of two pid namespaces (docs/runners.md "Task sandboxes").
    const args = ['--sandbox', 'off'];
    const frozen = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'frozen', env, args });
    await frozen.waitForOutput('connected to the hub');
    const runId = await start(hub, 'again');
    await frozen.waitForOutput('run accepted');
    const other = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'other', env, args });
    await other.waitForOutput('connected to the hub');
    const pidsOf = () =>
      readdirSync(dirname(pidFile))
        .filter((name) => name.startsWith('task.pid.'))
        .map((name) => Number(name.slice('task.pid.'.length)));
    const [firstPid] = await waitFor(() => pidsOf().length === 1 && pidsOf());

    // The daemon stops (its task does not): past the lease the hub re-queues the run, at a new epoch, to `other`.
    process.kill(frozen.pid, 'SIGSTOP');
    try {
      await waitFor(async () => (await run(hub, runId)).runner === 'other' && pidsOf().length === 2, {
        what: 'the run to be re-queued to the other runner',
        timeoutMs: 15_000,
      });
    } finally {
      process.kill(frozen.pid, 'SIGCONT');
    }
    // Woken up, the frozen runner learns the run is no longer its own and kills its copy at once.
    await waitFor(() => !isAlive(firstPid as number), { what: 'the stale copy to die', timeoutMs: 10_000 });
    expect(pidsOf().filter(isAlive)).toHaveLength(1);
    // Its log line may reach this process after the killed task is seen gone: wait for it.
    await frozen.waitForOutput(/no word from the hub past the lease|run stopped by the hub/, 10_000);
    expect(await run(hub, runId)).toMatchObject({ state: 'active', runner: 'other' });
  });
});
